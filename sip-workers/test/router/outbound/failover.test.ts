import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextAction, whenAllTrunksFail } from '../../../src/router/outbound/failover.ts';
import type { AllTrunksFailed, AttemptOutcome, FailoverAction } from '../../../src/router/outbound/failover.ts';

const response = (status: number): AttemptOutcome => ({ kind: 'response', status });
const timeout: AttemptOutcome = { kind: 'timeout' };
const transportError: AttemptOutcome = { kind: 'transport-error' };

test('after one attempt: stop and relay, or try the next trunk', () => {
  const cases: Array<[AttemptOutcome, number[], FailoverAction]> = [
    [response(200), [], 'stop'],
    [response(302), [], 'stop'],
    [response(404), [], 'stop'],
    [response(486), [], 'stop'],
    [response(484), [], 'stop'],
    [response(408), [], 'next'],
    [response(401), [], 'next'],
    [response(407), [], 'next'],
    [response(500), [], 'next'],
    [response(503), [], 'next'],
    [response(600), [], 'next'],
    [response(603), [], 'next'],
    [timeout, [], 'next'],
    [transportError, [], 'next'],
    [response(503), [503], 'stop'],
    [response(603), [486, 603], 'stop'],
    [response(408), [408], 'stop'],
    [response(502), [503], 'next'],
    [timeout, [408], 'next'],
  ];
  for (const [outcome, stopFailoverCodes, expected] of cases) {
    assert.equal(nextAction(outcome, { stopFailoverCodes }), expected, `${JSON.stringify(outcome)} stop on [${stopFailoverCodes.join(',')}]`);
  }
});

test('when every trunk failed, the caller hears the best answer', () => {
  const cases: Array<[string, AttemptOutcome[], AllTrunksFailed]> = [
    ['nothing tried', [], { kind: 'respond', status: 404, reason: 'Not Found - No Outbound Route' }],
    ['a 6xx beats all', [response(502), response(603), timeout, response(600)], { kind: 'relay', attempt: 1 }],
    ['a 408 response is relayed', [response(502), response(408)], { kind: 'relay', attempt: 1 }],
    ['timeouts are a 408', [response(502), timeout], { kind: 'respond', status: 408, reason: 'Request Timeout' }],
    ['the last 5xx other than 503', [response(500), response(502), response(503)], { kind: 'relay', attempt: 1 }],
    ['only 503s become 500', [response(503), response(503)], { kind: 'respond', status: 500, reason: 'Server Internal Error - All Outbound Trunks Failed' }],
    ['transport errors count as 503', [transportError, response(503)], { kind: 'respond', status: 500, reason: 'Server Internal Error - All Outbound Trunks Failed' }],
    ['rejected credentials are not relayed', [response(401), response(407)], { kind: 'respond', status: 500, reason: 'Server Internal Error - All Outbound Trunks Failed' }],
  ];
  for (const [name, outcomes, expected] of cases) assert.deepEqual(whenAllTrunksFail(outcomes), expected, name);
});
