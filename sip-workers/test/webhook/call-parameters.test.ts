import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callParameters, statusCallbackParameters } from '../../src/webhook/call-parameters.ts';
import type { CallDetails } from '../../src/webhook/call-parameters.ts';

function pstnCall(overrides: Partial<CallDetails> = {}): CallDetails {
  return {
    callSid: 'CA0123456789abcdef0123456789abcdef',
    accountSid: 'AC0123456789abcdef0123456789abcdef',
    from: '+85512345678',
    to: '+85523999000',
    headers: [],
    ...overrides,
  };
}

function sipDomainCall(overrides: Partial<CallDetails> = {}): CallDetails {
  return pstnCall({
    from: 'sip:alice@pbx.acme.example',
    to: 'sip:+85523999000@acme.sip-us.mekong.example',
    sip: { callId: 'a84b4c76e66710@pc33', sourceIp: '203.0.113.7', domain: 'acme.sip-us.mekong.example', username: 'alice' },
    ...overrides,
  });
}

const named = (params: readonly (readonly [string, string])[], name: string): string[] =>
  params.filter(([key]) => key === name).map(([, value]) => value);

test('a PSTN call carries the Twilio voice request parameters', () => {
  const params = callParameters(pstnCall({ callerName: 'ACME CORP' }), 'ringing');
  assert.deepEqual(Object.fromEntries(params), {
    CallSid: 'CA0123456789abcdef0123456789abcdef',
    AccountSid: 'AC0123456789abcdef0123456789abcdef',
    From: '+85512345678',
    To: '+85523999000',
    Caller: '+85512345678',
    Called: '+85523999000',
    CallStatus: 'ringing',
    Direction: 'inbound',
    ApiVersion: '2010-04-01',
    CallerName: 'ACME CORP',
  });
});

test('CallerName and ForwardedFrom are left out when unknown or empty', () => {
  const params = callParameters(pstnCall({ callerName: '' }), 'ringing');
  assert.deepEqual(named(params, 'CallerName'), []);
  assert.deepEqual(named(params, 'ForwardedFrom'), []);
  assert.deepEqual(named(callParameters(pstnCall({ forwardedFrom: '+85511111111' }), 'ringing'), 'ForwardedFrom'), ['+85511111111']);
});

test('the status given is the CallStatus sent', () => {
  for (const status of ['ringing', 'in-progress', 'completed', 'busy', 'no-answer', 'failed', 'canceled'] as const) {
    assert.deepEqual(named(callParameters(pstnCall(), status), 'CallStatus'), [status]);
  }
});

test('a SIP domain call adds SipDomain, SipCallId, SipSourceIp and SipUsername', () => {
  const params = Object.fromEntries(callParameters(sipDomainCall(), 'ringing'));
  assert.equal(params['SipDomain'], 'acme.sip-us.mekong.example');
  assert.equal(params['SipCallId'], 'a84b4c76e66710@pc33');
  assert.equal(params['SipSourceIp'], '203.0.113.7');
  assert.equal(params['SipUsername'], 'alice');
  assert.equal(params['From'], 'sip:alice@pbx.acme.example');
  assert.equal(params['SipDomainSid'], undefined);
});

test('X- headers become SipHeader_<name as received>, in order, repeats kept; other headers do not', () => {
  const call = sipDomainCall({
    headers: [
      { name: 'Via', value: 'SIP/2.0/UDP 203.0.113.7' },
      { name: 'X-Customer-Id', value: '42' },
      { name: 'x-lowercase', value: 'kept as received' },
      { name: 'X-Tag', value: 'a' },
      { name: 'Xylophone', value: 'not an X- header' },
      { name: 'X-Tag', value: 'b' },
    ],
  });
  const custom = callParameters(call, 'ringing').filter(([name]) => name.startsWith('SipHeader_'));
  assert.deepEqual(custom, [
    ['SipHeader_X-Customer-Id', '42'],
    ['SipHeader_x-lowercase', 'kept as received'],
    ['SipHeader_X-Tag', 'a'],
    ['SipHeader_X-Tag', 'b'],
  ]);
});

test('X-Switchyard- headers never reach the webhook, in any letter case', () => {
  const call = sipDomainCall({
    headers: [
      { name: 'X-Switchyard-Trunk', value: 'internal' },
      { name: 'x-switchyard-account', value: 'forged' },
      { name: 'X-SWITCHYARD-Carrier', value: 'forged' },
      { name: 'X-Switchyardish', value: 'not ours' },
    ],
  });
  const custom = callParameters(call, 'ringing').filter(([name]) => name.startsWith('SipHeader_'));
  assert.deepEqual(custom, [['SipHeader_X-Switchyardish', 'not ours']]);
});

test('forwardCustomHeaders: false drops every X- header but keeps the call parameters', () => {
  const headers = [{ name: 'X-Customer-Id', value: '42' }];
  const forwarded = callParameters(sipDomainCall({ headers }), 'ringing');
  const withheld = callParameters(sipDomainCall({ headers, forwardCustomHeaders: false }), 'ringing');
  assert.deepEqual(named(forwarded, 'SipHeader_X-Customer-Id'), ['42']);
  assert.deepEqual(withheld.filter(([name]) => name.startsWith('SipHeader_')), []);
  assert.deepEqual(withheld, forwarded.filter(([name]) => !name.startsWith('SipHeader_')));
});

test('status callback: final status, duration, SIP code and an RFC 2822 UTC timestamp', () => {
  const endedAt = new Date(Date.UTC(2026, 2, 5, 14, 7, 9));
  const params = Object.fromEntries(statusCallbackParameters(pstnCall(), {
    status: 'completed', endedAt, durationSeconds: 61.6, sipResponseCode: 200, sequenceNumber: 2,
  }));
  assert.equal(params['CallStatus'], 'completed');
  assert.equal(params['CallDuration'], '62');
  assert.equal(params['SipResponseCode'], '200');
  assert.equal(params['Timestamp'], 'Thu, 05 Mar 2026 14:07:09 +0000');
  assert.equal(params['CallbackSource'], 'call-progress-events');
  assert.equal(params['SequenceNumber'], '2');
  assert.equal(params['CallSid'], 'CA0123456789abcdef0123456789abcdef');
});

test('status callback: no CallDuration for calls that were never completed, and no X- headers', () => {
  const call = sipDomainCall({ headers: [{ name: 'X-Customer-Id', value: '42' }] });
  const params = statusCallbackParameters(call, { status: 'busy', endedAt: new Date(0), durationSeconds: 0, sipResponseCode: 486 });
  assert.deepEqual(named(params, 'CallDuration'), []);
  assert.deepEqual(named(params, 'SipResponseCode'), ['486']);
  assert.deepEqual(named(params, 'SequenceNumber'), ['0']);
  assert.deepEqual(params.filter(([name]) => name.startsWith('SipHeader_')), []);
  assert.deepEqual(named(params, 'SipCallId'), ['a84b4c76e66710@pc33']);
});
