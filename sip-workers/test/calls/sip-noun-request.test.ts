// What of a <Sip> URI's headers goes on the INVITE: the limits the call test does not reach.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sipNounRequest } from '../../src/calls/sip-noun-request.ts';
import { formatUri, parseUri } from '../../src/sip/uri.ts';

const sipUri = (text: string) => {
  const parsed = parseUri(text);
  assert.ok(parsed.ok && parsed.value.kind === 'sip', text);
  return parsed.value;
};

test('the Request-URI keeps its parameters and loses its headers', () => {
  const { requestUri, headers, refused } = sipNounRequest(sipUri('sip:agent@pbx.example.com;transport=tcp?x-ticket=42'));
  assert.equal(formatUri(requestUri), 'sip:agent@pbx.example.com;transport=tcp');
  assert.deepEqual(headers, [{ name: 'x-ticket', value: '42' }]);
  assert.deepEqual(refused, []);
});

test('a value over 1,024 characters, a name that is not a token, and headers past the 16th are refused, not cut', () => {
  const many = Array.from({ length: 18 }, (_, i) => `X-N${i}=${i}`);
  const { headers, refused } = sipNounRequest(sipUri(`sip:agent@pbx.example.com?X-Long=${'a'.repeat(1025)}&X-Fits=${'a'.repeat(1024)}&X-Bad%20Name=1&X-=1&${many.join('&')}`));
  assert.deepEqual(headers.map((header) => header.name), ['X-Fits', ...many.slice(0, 15).map((pair) => pair.split('=')[0])]);
  assert.deepEqual(refused, ['X-Long', 'X-Bad Name', 'X-', 'X-N15', 'X-N16', 'X-N17']);
});

test('a tab stays inside a value; any other control character refuses it', () => {
  const { headers, refused } = sipNounRequest(sipUri('sip:agent@pbx.example.com?X-Tab=a%09b&X-Nul=a%00b&X-Del=a%7Fb&X-Lf=a%0Ab'));
  assert.deepEqual(headers, [{ name: 'X-Tab', value: 'a\tb' }]);
  assert.deepEqual(refused, ['X-Nul', 'X-Del', 'X-Lf']);
});
