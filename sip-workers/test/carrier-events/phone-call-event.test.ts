// The phone_call.completed event's shape for the cases the SIPp tests do not place: a SIP domain
// caller, <Sip> and <Client> callees, and how the answered time becomes whole seconds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { phoneCallCompletedEvent, type PhoneCallRecord } from '../../src/carrier-events/phone-call-event.ts';
import type { EventBody } from '../support/carrier-event-receiver.ts';

const base: PhoneCallRecord = {
  callSid: 'CA0123456789abcdef0123456789abcdef', accountSid: 'AC0123456789abcdef0123456789abcdef',
  from: 'sip:agent-101@kampot.sip-ap.sip.test', to: 'sip:support@kampot.sip-ap.sip.test',
  origin: { kind: 'domain', sipDomain: 'kampot.sip-ap.sip.test', username: 'agent-101' },
  status: 'completed', sipResponseCode: 200,
  startedAt: Date.UTC(2026, 11, 7, 12, 0, 0), answeredAt: Date.UTC(2026, 11, 7, 12, 0, 3), endedAt: Date.UTC(2026, 11, 7, 12, 0, 3) + 1001,
};
const attributes = (record: PhoneCallRecord) => (JSON.parse(phoneCallCompletedEvent(record, 'event-1', record.endedAt).body) as EventBody).data.attributes.details.data.attributes as unknown as Record<string, unknown>;

test('a SIP domain caller is named by domain and username; a started second of answer counts', () => {
  const call = attributes({ ...base, connected: { kind: 'sip', uri: 'sip:desk@pbx.example' } });
  assert.equal(call.sip_domain, 'kampot.sip-ap.sip.test');
  assert.equal(call.sip_username, 'agent-101');
  assert.equal(call.inbound_trunk, undefined);
  assert.deepEqual(call.callee, { type: 'sip', uri: 'sip:desk@pbx.example' });
  assert.equal(call.duration, 2, '1.001 s answered is 2 billed seconds');
  assert.equal(call.answered_at, '2026-12-07T12:00:03.000Z');
});

test('a <Client> callee by identity; an unanswered call lasts 0 s and has no answer time', () => {
  assert.deepEqual(attributes({ ...base, connected: { kind: 'client', identity: 'agent-102' } }).callee, { type: 'client', identity: 'agent-102' });
  const { answeredAt: _answered, ...unanswered } = base;
  const call = attributes({ ...unanswered, status: 'no-answer', sipResponseCode: 480 });
  assert.equal(call.duration, 0);
  assert.equal(call.answered_at, undefined);
  assert.equal(call.status, 'no-answer');
});
