// The inbound router as a table: facts of an INVITE in, decision out, over a routing generation
// compiled by the operator from Switchyard objects (test/calls/trunk-call-fixture.ts).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { InboundDecision } from '../../../src/router/inbound/inbound-decision.ts';
import type { InboundRequest } from '../../../src/router/inbound/inbound-request.ts';
import { routeInbound } from '../../../src/router/inbound/route-inbound.ts';
import type { RoutingView } from '../../../src/routing/routing-view.ts';
import { domainFqdn, numbers, trunkCallRouting } from '../../calls/trunk-call-fixture.ts';
import { viewOf } from '../../support/routing-view-of.ts';

const base: InboundRequest = { sourceAddress: '127.0.0.1', requestUser: numbers.clinic, requestHost: '127.0.0.1', fromUser: '012000111', fromUri: 'sip:012000111@127.0.0.1', digest: { kind: 'none' } };

type Expectation = { kind: 'reject'; status: number; reason?: RegExp } | { kind: 'challenge'; stale: boolean } | { kind: 'webhook'; account: string; to: string; from?: string; voicePath: string; origin: 'trunk' | 'domain' };

const cases: Array<[string, Partial<InboundRequest>, Expectation]> = [
  ['E.164 number from the trunk', {}, { kind: 'webhook', account: 'clinic', to: numbers.clinic, from: '+85512000111', voicePath: '/voice', origin: 'trunk' }],
  ['national number normalised', { requestUser: '023900100' }, { kind: 'webhook', account: 'clinic', to: numbers.clinic, voicePath: '/voice', origin: 'trunk' }],
  ['country code without +', { requestUser: '85523900100' }, { kind: 'webhook', account: 'clinic', to: numbers.clinic, voicePath: '/voice', origin: 'trunk' }],
  ['number with the fallback, account voice URL inherited', { requestUser: numbers.flaky }, { kind: 'webhook', account: 'flaky', to: numbers.flaky, voicePath: '/down', origin: 'trunk' }],
  ['unknown source address', { sourceAddress: '192.0.2.10' }, { kind: 'reject', status: 403, reason: /Unknown Source/ }],
  ['IPv4-mapped IPv6 source of the trunk', { sourceAddress: '::ffff:127.0.0.1' }, { kind: 'webhook', account: 'clinic', to: numbers.clinic, voicePath: '/voice', origin: 'trunk' }],
  ['unknown number', { requestUser: '+85523999999' }, { kind: 'reject', status: 404 }],
  ['not a number', { requestUser: 'alice' }, { kind: 'reject', status: 404, reason: /Not A Number/ }],
  ['disabled number', { requestUser: numbers.disabled }, { kind: 'reject', status: 404 }],
  ['number of a disabled account', { requestUser: numbers.closed }, { kind: 'reject', status: 403, reason: /Account Disabled/ }],
  ['domain call from the ACL', { requestHost: domainFqdn, sourceAddress: '127.0.0.3', requestUser: 'desk', fromUri: 'sip:alice@pbx' }, { kind: 'webhook', account: 'pepper', to: `sip:desk@${domainFqdn}`, from: 'sip:alice@pbx', voicePath: '/domain', origin: 'domain' }],
  ['domain call from elsewhere without credentials', { requestHost: domainFqdn, requestUser: 'desk' }, { kind: 'challenge', stale: false }],
  ['domain call with a stale nonce', { requestHost: domainFqdn, requestUser: 'desk', digest: { kind: 'stale' } }, { kind: 'challenge', stale: true }],
  ['domain call with a wrong password', { requestHost: domainFqdn, requestUser: 'desk', digest: { kind: 'failed', detail: 'bad-response' } }, { kind: 'reject', status: 403, reason: /Authentication Failed/ }],
  ['domain call authenticated', { requestHost: domainFqdn, requestUser: 'desk', digest: { kind: 'ok', username: 'agent-101' } }, { kind: 'webhook', account: 'pepper', to: `sip:desk@${domainFqdn}`, voicePath: '/domain', origin: 'domain' }],
  ['a host that names no SipDomain is a trunk call', { requestHost: 'other.example', requestUser: numbers.clinic }, { kind: 'webhook', account: 'clinic', to: numbers.clinic, voicePath: '/voice', origin: 'trunk' }],
  ['so is a host under the SIP domain base that is not shaped as a domain address', { requestHost: 'edge.sip.test', requestUser: numbers.clinic }, { kind: 'webhook', account: 'clinic', to: numbers.clinic, voicePath: '/voice', origin: 'trunk' }],
  ['the domain address in another region fails, even from a trunk', { requestHost: 'kampot.sip-eu.sip.test', requestUser: numbers.clinic }, { kind: 'reject', status: 404, reason: /Unknown SIP Domain/ }],
  ['an address under the base that names no domain fails', { requestHost: 'Nobody.SIP-AP.sip.test.', requestUser: 'desk' }, { kind: 'reject', status: 404, reason: /Unknown SIP Domain/ }],
  ['the domain address in another case is the domain', { requestHost: domainFqdn.toUpperCase(), sourceAddress: '127.0.0.3', requestUser: 'desk', fromUri: 'sip:alice@pbx' }, { kind: 'webhook', account: 'pepper', to: `sip:desk@${domainFqdn}`, voicePath: '/domain', origin: 'domain' }],
];

function check(decision: InboundDecision, expected: Expectation): void {
  assert.equal(decision.kind, expected.kind, JSON.stringify(decision));
  if (decision.kind === 'reject' && expected.kind === 'reject') {
    assert.equal(decision.status, expected.status);
    if (expected.reason) assert.match(decision.reason, expected.reason);
  }
  if (decision.kind === 'challenge' && expected.kind === 'challenge') {
    assert.equal(decision.realm, domainFqdn);
    assert.equal(decision.stale, expected.stale);
  }
  if (decision.kind === 'webhook' && expected.kind === 'webhook') {
    assert.equal(decision.account.name, expected.account);
    assert.match(decision.account.sid, /^AC[0-9a-f]{32}$/);
    assert.ok(decision.account.authToken.length > 0);
    assert.equal(decision.to, expected.to);
    if (expected.from !== undefined) assert.equal(decision.from, expected.from);
    assert.equal(new URL(decision.voice.url).pathname, expected.voicePath);
    assert.equal(decision.origin.kind, expected.origin);
  }
}

describe('routeInbound', () => {
  let view: RoutingView;
  before(async () => {
    view = await viewOf(trunkCallRouting('http://webhook.test', { primary: 5091, secondary: 5092, digest: 5093 }));
  });
  for (const [name, facts, expected] of cases) {
    test(name, () => check(routeInbound({ ...base, ...facts }, view), expected));
  }
});
