import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authHeaders } from '../../src/sip/digest.ts';
import { headerValue, headerValues } from '../../src/sip/message.ts';
import type { SipMessage, SipRequest, SipResponse } from '../../src/sip/message.ts';
import { contacts, fromHeader, recordRoutes, routes, toHeader } from '../../src/sip/name-addr.ts';
import { parseMessage, PARSE_LIMITS } from '../../src/sip/parser.ts';
import type { ParseResult } from '../../src/sip/parser.ts';
import { callIdHeader, cseqHeader, expiresHeader, maxForwardsHeader } from '../../src/sip/scalar-headers.ts';
import { allVias, topVia, viaBranch, viaRport } from '../../src/sip/via.ts';
import { BYE, INVITE, OK_200, OPTIONS, REGISTER, UNAUTHORIZED_401 } from './fixtures.ts';

function parsed(data: Buffer | string, framing: 'datagram' | 'stream' = 'datagram'): SipMessage {
  const result = parseMessage(typeof data === 'string' ? Buffer.from(data) : data, { framing });
  assert.ok(result.ok, result.ok ? '' : `${result.error.kind}: ${result.error.detail}`);
  return result.message;
}

function refused(data: string): Extract<ParseResult, { ok: false }> {
  const result = parseMessage(Buffer.from(data));
  assert.equal(result.ok, false);
  return result;
}

const MINIMAL = [
  'OPTIONS sip:a@example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1',
  'To: <sip:a@example.com>',
  'From: <sip:b@example.com>;tag=1',
  'Call-ID: x@y',
  'CSeq: 1 OPTIONS',
];

function msg(extra: string[] = [], body = '', base = MINIMAL): string {
  return `${[...base, ...extra].join('\r\n')}\r\n\r\n${body}`;
}

test('INVITE with SDP: start line, typed headers, body', () => {
  const m = parsed(INVITE) as SipRequest;
  assert.equal(m.kind, 'request');
  assert.equal(m.method, 'INVITE');
  assert.ok(m.uri.kind === 'sip' && m.uri.user === '+14155550100' && m.uri.params.get('user') === 'phone');
  const via = topVia(m);
  assert.ok(via);
  assert.equal(via.transport, 'UDP');
  assert.equal(via.host, '198.51.100.7');
  assert.equal(via.port, 5060);
  assert.equal(viaBranch(via), 'z9hG4bK776asdhds');
  assert.equal(viaRport(via), null);
  assert.equal(fromHeader(m)?.displayName, 'Alice Example');
  assert.equal(fromHeader(m)?.params.get('tag'), '1928301774');
  assert.equal(toHeader(m)?.params.has('tag'), false);
  assert.deepEqual(cseqHeader(m), { seq: 314159, method: 'INVITE' });
  assert.equal(callIdHeader(m), 'a84b4c76e66710@pbx.example.com');
  assert.equal(maxForwardsHeader(m), 70);
  assert.deepEqual(headerValues(m, 'Allow'), ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS']);
  assert.equal(recordRoutes(m)?.[0]?.uri.kind, 'sip');
  assert.ok(m.body.toString().startsWith('v=0\r\n'));
  assert.equal(m.body.length, Number(headerValue(m, 'Content-Length')));
});

test('REGISTER: Contact params and digest Authorization', () => {
  const m = parsed(REGISTER);
  const [contact] = contacts(m) ?? [];
  assert.ok(contact && !contact.star);
  assert.equal(contact.params.get('expires'), '3600');
  assert.equal(contact.params.get('+sip.instance'), '"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"');
  const [auth] = authHeaders(m, 'Authorization');
  assert.equal(auth?.scheme, 'Digest');
  assert.equal(auth?.params.get('username'), 'bob');
  assert.equal(auth?.params.get('uri'), 'sip:registrar.example.com');
  assert.equal(auth?.params.get('qop'), 'auth');
  assert.equal(auth?.params.get('nc'), '00000001');
  assert.equal(expiresHeader(m), 7200);
});

test('responses: 200 with received/rport and 401 challenge', () => {
  const ok = parsed(OK_200) as SipResponse;
  assert.equal(ok.status, 200);
  assert.equal(ok.reason, 'OK');
  const via = topVia(ok);
  assert.equal(via?.params.get('received'), '192.0.2.4');
  assert.equal(via && viaRport(via), 5062);
  const challenge = parsed(UNAUTHORIZED_401) as SipResponse;
  const [www] = authHeaders(challenge, 'WWW-Authenticate');
  assert.equal(www?.params.get('qop'), 'auth,auth-int');
  assert.equal(www?.params.get('opaque'), '5ccc069c403ebaf9f0171e9517f40e41');
});

test('compact forms map to canonical names', () => {
  const m = parsed(BYE);
  assert.deepEqual(m.headers.map((h) => h.name), ['Via', 'Max-Forwards', 'Route', 'From', 'To', 'Call-ID', 'CSeq', 'Content-Length']);
  assert.equal(routes(m)?.length, 1);
});

test('IPv6 sent-by and Call-ID with colons', () => {
  const m = parsed(OPTIONS);
  assert.equal(topVia(m)?.host, '[2001:db8::7]');
  assert.equal(callIdHeader(m), '7a8c4b4e@2001:db8::7');
});

test('header names are case-insensitive; folding is unfolded; lists split outside quotes and <>', () => {
  const m = parsed(
    msg([
      'SUPPORTED: timer,',
      '  100rel',
      'contact: "Doe, John" <sip:j,k@example.com;a=1>;q=0.5, <sip:k@example.com>',
      'Subject: hello, world',
    ]),
  );
  assert.deepEqual(headerValues(m, 'supported'), ['timer', '100rel']);
  const list = contacts(m);
  assert.equal(list?.length, 2);
  assert.ok(list?.[0] && !list[0].star && list[0].displayName === 'Doe, John');
  assert.deepEqual(headerValues(m, 's'), ['hello, world']);
});

test('Contact: * and rport with a value', () => {
  const m = parsed(msg(['Contact: *', 'Expires: 0']).replace('branch=z9hG4bK1', 'branch=z9hG4bK1;rport=5099'));
  assert.deepEqual(contacts(m), [{ star: true }]);
  const via = topVia(m);
  assert.equal(via && viaRport(via), 5099);
});

test('multiple Via fields in one header value and across lines', () => {
  const m = parsed(msg(['Via: SIP/2.0/TCP b.example.com:5070;branch=z9hG4bK2, SIP/2.0/UDP c.example.com;branch=z9hG4bK3']));
  assert.deepEqual(allVias(m)?.map((v) => v.host), ['192.0.2.1', 'b.example.com', 'c.example.com']);
});

test('datagram without Content-Length: body is the rest; octets past Content-Length are dropped', () => {
  assert.equal(parsed(msg([], 'hello')).body.toString(), 'hello');
  assert.equal(parsed(msg(['Content-Length: 2'], 'hello')).body.toString(), 'he');
});

test('stream framing requires Content-Length', () => {
  const result = parseMessage(Buffer.from(msg([], '')), { framing: 'stream' });
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.error.kind, 'bad-content-length');
});

test('leading CRLFs before the start line are ignored', () => {
  assert.equal(parsed(`\r\n\r\n${msg()}`).kind, 'request');
});

test('refusals carry a 400 context when Via/From/To/Call-ID/CSeq are readable', () => {
  const r = refused(msg(['Max-Forwards: many']));
  assert.equal(r.error.kind, 'bad-header-value');
  assert.equal(r.canRespond400?.status, 400);
  assert.deepEqual(r.canRespond400?.headers.map((h) => h.name), ['Via', 'From', 'To', 'Call-ID', 'CSeq']);
  const noCallId = refused(msg([], '', MINIMAL.filter((l) => !l.startsWith('Call-ID'))));
  assert.equal(noCallId.error.kind, 'missing-header');
  assert.equal(noCallId.canRespond400, undefined);
});

test('responses are refused without a 400 context', () => {
  const r = refused(msg([], '', ['SIP/2.0 200 OK', ...MINIMAL.slice(1, 5)]));
  assert.equal(r.error.kind, 'missing-header');
  assert.equal(r.canRespond400, undefined);
});

test('limits: message size, header count, header line length', () => {
  const big = Buffer.alloc(PARSE_LIMITS.maxMessageBytes + 1, 'a');
  assert.equal(parseMessage(big).ok === false && parseMessage(big).ok, false);
  const tooMany = refused(msg(Array.from({ length: 300 }, (_, i) => `X-H${i}: v`)));
  assert.equal(tooMany.error.kind, 'too-many-headers');
  const tooLong = refused(msg([`X-Long: ${'a'.repeat(9000)}`]));
  assert.equal(tooLong.error.kind, 'header-too-long');
  const foldedLong = refused(msg(['X-Long: a', ...Array.from({ length: 10 }, () => ` ${'b'.repeat(1000)}`)]));
  assert.equal(foldedLong.error.kind, 'header-too-long');
});

test('garbage is refused as a value', () => {
  for (const junk of ['', '\r\n', 'hello', 'INVITE\r\n\r\n', '\u0000\u0001\r\n\r\n', 'SIP/2.0 abc OK\r\n\r\n']) {
    const result = parseMessage(Buffer.from(junk));
    assert.equal(result.ok, false, JSON.stringify(junk));
  }
});
