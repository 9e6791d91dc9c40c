import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headerValue } from '../../src/sip/message.ts';
import type { SipRequest, SipResponse } from '../../src/sip/message.ts';
import { toHeader } from '../../src/sip/name-addr.ts';
import { parseMessage } from '../../src/sip/parser.ts';
import { createBadRequestResponse, createResponse, stampReceived } from '../../src/sip/response-builder.ts';
import { serializeMessage } from '../../src/sip/serializer.ts';
import { topVia, viaRport } from '../../src/sip/via.ts';
import { BYE, CORPUS, INVITE } from './fixtures.ts';

function parse(data: Buffer | string) {
  const result = parseMessage(typeof data === 'string' ? Buffer.from(data) : data);
  assert.ok(result.ok);
  return result.message;
}

test('serialize → parse round-trips every corpus message', () => {
  for (const [name, data] of CORPUS) {
    const once = parse(data);
    const wire = serializeMessage(once);
    const twice = parse(wire);
    assert.deepEqual(twice, once, name);
    assert.deepEqual(serializeMessage(twice), wire, `${name} is stable`);
  }
});

test('canonical long-form names, one list element per line, Content-Length recomputed', () => {
  const message = parse(BYE);
  message.body = Buffer.from('abc');
  const text = serializeMessage(message).toString();
  assert.match(text, /^BYE sip:gw1@192\.0\.2\.50:5060 SIP\/2\.0\r\nVia: /);
  assert.match(text, /\r\nCall-ID: a84b4c76e66710@pbx\.example\.com\r\n/);
  assert.match(text, /\r\nContent-Length: 3\r\n\r\nabc$/);
  assert.doesNotMatch(text, /\r\n[iftvl]:/);
});

test('header values cannot inject lines', () => {
  const message = parse(BYE);
  message.headers.push({ name: 'Subject', value: 'x\r\nVia: evil' });
  const reparsed = parse(serializeMessage(message));
  assert.equal(headerValue(reparsed, 'Subject'), 'x Via: evil');
});

test('createResponse copies Via/From/Call-ID/CSeq and tags To', () => {
  const invite = parse(INVITE) as SipRequest;
  const ringing = createResponse(invite, 180, { toTag: 'abc' });
  assert.equal(ringing.reason, 'Ringing');
  assert.equal(toHeader(ringing)?.params.get('tag'), 'abc');
  // The request's To is read from a parse shared with validation (rememberedNameAddr): tagging the response must not reach it.
  assert.equal(toHeader(invite)?.params.has('tag'), false);
  for (const name of ['Via', 'From', 'Call-ID', 'CSeq']) assert.equal(headerValue(ringing, name), headerValue(invite, name));
  const trying = createResponse(invite, 100);
  assert.equal(toHeader(trying)?.params.has('tag'), false);
  const reparsed = parse(serializeMessage(ringing)) as SipResponse;
  assert.equal(reparsed.status, 180);
});

test('stampReceived: RFC 3581 fills rport and sets received', () => {
  const invite = parse(INVITE) as SipRequest;
  stampReceived(invite, { address: '192.0.2.99', port: 40000 });
  const via = topVia(invite);
  assert.equal(via?.params.get('received'), '192.0.2.99');
  assert.equal(via && viaRport(via), 40000);
  const bye = parse(BYE) as SipRequest;
  stampReceived(bye, { address: '198.51.100.7', port: 5060 });
  assert.equal(topVia(bye)?.params.has('received'), false, 'no received when sent-by matches and no rport');
});

test('createBadRequestResponse answers a refused request', () => {
  const bad = Buffer.from(INVITE.toString().replace('CSeq: 314159 INVITE', 'CSeq: 314159 BYE'));
  const result = parseMessage(bad);
  assert.ok(!result.ok && result.canRespond400);
  const response = createBadRequestResponse(result.canRespond400);
  const reparsed = parse(serializeMessage(response)) as SipResponse;
  assert.equal(reparsed.status, 400);
  assert.match(reparsed.reason, /^Bad Request \(CSeq method BYE is not INVITE\)$/);
});
