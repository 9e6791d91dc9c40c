import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatUri, parseUri } from '../../src/sip/uri.ts';
import type { SipUri } from '../../src/sip/uri.ts';

function sip(text: string): SipUri {
  const parsed = parseUri(text);
  assert.ok(parsed.ok, `expected ${text} to parse: ${parsed.ok ? '' : parsed.error}`);
  assert.equal(parsed.value.kind, 'sip');
  return parsed.value;
}

test('sip URI with user, password, port, params and headers', () => {
  const uri = sip('sips:alice:secret@Example.COM:5061;transport=tcp;lr;maddr=10.0.0.1?subject=hi&priority=urgent');
  assert.equal(uri.scheme, 'sips');
  assert.equal(uri.user, 'alice');
  assert.equal(uri.password, 'secret');
  assert.equal(uri.host, 'Example.COM');
  assert.equal(uri.port, 5061);
  assert.equal(uri.params.get('transport'), 'tcp');
  assert.equal(uri.params.get('lr'), null);
  assert.equal(uri.params.get('maddr'), '10.0.0.1');
  assert.deepEqual(uri.headers, [['subject', 'hi'], ['priority', 'urgent']]);
});

test('escapes in user part and parameters are decoded, and re-escaped on output', () => {
  const uri = sip('sip:I%20have%20spaces@example.net;n%61me=v%61lue%25%34%31');
  assert.equal(uri.user, 'I have spaces');
  assert.equal(uri.params.get('name'), 'value%41');
  assert.equal(formatUri(uri), 'sip:I%20have%20spaces@example.net;name=value%2541');
});

test('user part may hold ";", "?" and "/" (user-unreserved)', () => {
  const uri = sip('sip:user;par=u%40example.net@example.com');
  assert.equal(uri.user, 'user;par=u@example.net');
  assert.equal(uri.host, 'example.com');
  assert.equal(uri.params.size, 0);
});

test('IPv6 references keep their brackets; port after them', () => {
  const uri = sip('sip:bob@[2001:db8::10]:5070;transport=udp');
  assert.equal(uri.host, '[2001:db8::10]');
  assert.equal(uri.port, 5070);
  assert.equal(formatUri(uri), 'sip:bob@[2001:db8::10]:5070;transport=udp');
});

test('tel and unknown schemes', () => {
  const tel = parseUri('tel:+1-201-555-0123;phone-context=example.com');
  assert.ok(tel.ok && tel.value.kind === 'tel');
  assert.equal(tel.value.number, '+1-201-555-0123');
  const other = parseUri('soap.beep://192.0.2.103:3002');
  assert.ok(other.ok && other.value.kind === 'other');
  assert.equal(other.value.scheme, 'soap.beep');
  assert.equal(formatUri(other.value), 'soap.beep://192.0.2.103:3002');
});

test('invalid URIs are refused as values', () => {
  for (const bad of ['', 'nocolon', 'sip:', 'sip:user@', 'sip:[::1', 'sip:host:99999', 'sip:a%ZZ@host', 'sip:host;;', '<sip:a@b>', 'sip:bad host']) {
    const parsed = parseUri(bad);
    assert.equal(parsed.ok, false, bad);
  }
});

test('escaped NUL survives a round trip', () => {
  const uri = sip('sip:null-%00-null@example.com');
  assert.equal(uri.user, 'null-\u0000-null');
  assert.equal(formatUri(uri), 'sip:null-%00-null@example.com');
});
