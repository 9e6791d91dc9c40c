// A caller whose INVITE requires 100rel (RFC 3262), as some carriers' gateways do for early media:
// the provisional responses it gets are reliable (Require: 100rel, RSeq), each acknowledged by
// its PRACK, and the 2xx waits for the PRACK of a provisional that carried a description. SIPp
// plays the caller and the callee.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { calleeAnsweringAfter, calleeAnsweringWithEarlyMedia, calleeHangingUpBeforeAck, calleeRingingUntilCancelled, callerExpecting, callerPracking } from '../support/scenarios.ts';
import { runSipp, sippMissing, startSippServer } from '../support/sipp.ts';
import type { SippResult } from '../support/sipp.ts';
import { twiml } from '../support/webhook-server.ts';
import { numbers, trunkCallPlatform } from './trunk-call-fixture.ts';

const ok = (result: SippResult, what: string) => assert.equal(result.code, 0, `${what}: sipp exited ${result.code}\n${result.stderr.slice(-1500)}\n${result.stdout.slice(-1500)}`);

describe('a caller requiring reliable provisional responses', { skip: sippMissing, timeout: 60_000 }, () => {
  const platform = trunkCallPlatform();
  const dialAgent = (port: number) => platform.webhook.route('/voice', twiml(`<Dial timeout="5"><Sip>sip:agent@127.0.0.1:${port}</Sip></Dial>`));

  test('gets the callee\'s ringing reliably: Require: 100rel and an RSeq, its PRACK answered 200, then the call is answered', async () => {
    const callee = await startSippServer({ scenario: calleeAnsweringAfter(500), calls: 1 });
    dialAgent(callee.port);
    ok(await runSipp({ scenario: callerPracking({ to: numbers.clinic }), remote: platform.remote, calls: 1 }), 'caller (180 reliable, PRACK 200, then 200)');
    ok(await callee.exited, 'callee');
  });

  test('the callee\'s answer waits for the PRACK of its early media, however late that comes', async () => {
    const callee = await startSippServer({ scenario: calleeAnsweringWithEarlyMedia(), calls: 1 });
    dialAgent(callee.port);
    // The callee answers at once; the caller's scenario fails on a 200 arriving before its PRACK went out.
    ok(await runSipp({ scenario: callerPracking({ to: numbers.clinic, provisional: 183, prackDelayMs: 1200 }), remote: platform.remote, calls: 1 }), 'caller (183 reliable, PRACK after 1.2 s, only then 200)');
    ok(await callee.exited, 'callee');
  });

  test('a callee hanging up while its answer waits for the PRACK: the caller gets 480, not a BYE in a dialog it was never answered in', async () => {
    const callee = await startSippServer({ scenario: calleeHangingUpBeforeAck(), calls: 1 });
    dialAgent(callee.port);
    ok(await runSipp({ scenario: callerExpecting(480, { to: numbers.clinic, extraHeaders: ['Require: 100rel'] }), remote: platform.remote, calls: 1 }), 'caller (480 for its unPRACKed early media call)');
    ok(await callee.exited, 'callee (its BYE answered)');
  });
});

describe('a caller that requires reliable provisional responses and never acknowledges them', { skip: sippMissing, timeout: 60_000 }, () => {
  // T1 of 50 ms: 64·T1 runs out in 3.2 s.
  const platform = trunkCallPlatform({ sipTimers: { t1: 50 } });

  test('gets the ringing again and again, then 500 once 64·T1 is over; the callee still ringing is cancelled', async () => {
    const callee = await startSippServer({ scenario: calleeRingingUntilCancelled(), calls: 1 });
    platform.webhook.route('/voice', twiml(`<Dial timeout="30"><Sip>sip:agent@127.0.0.1:${callee.port}</Sip></Dial>`));
    const started = performance.now();
    ok(await runSipp({ scenario: callerExpecting(500, { to: numbers.clinic, extraHeaders: ['Require: 100rel'] }), remote: platform.remote, calls: 1 }), 'caller (500 after its unacknowledged 180s)');
    const tookMs = performance.now() - started;
    assert.ok(tookMs >= 64 * 50, `the 500 came after 64·T1 (${tookMs.toFixed(0)} ms)`);
    ok(await callee.exited, 'callee (cancelled: 487 ACKed)');
    assert.equal(await platform.worker.metric('switchyard_calls_total', { end: 'failed', status: '500' }), 1);
  });
});
