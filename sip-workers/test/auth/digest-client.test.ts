import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { DigestCredential } from '../../../api/routing/schema.ts';
import { authorizationFor, digestChallengeOf } from '../../src/auth/digest-client.ts';
import { parseAuthHeader } from '../../src/sip/digest.ts';
import type { AuthHeader } from '../../src/sip/digest.ts';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

// Hash1 and Hash1b as the Bandwidth seed defines them, computed here from the password.
function credential(username: string, realm: string, password: string): DigestCredential {
  return { username, realm, ha1: md5(`${username}:${realm}:${password}`), ha1b: md5(`${username}@${realm}:${realm}:${password}`) };
}

function header(value: string): AuthHeader {
  const parsed = parseAuthHeader(value);
  assert.ok(parsed.ok);
  return parsed.value;
}

function params(value: string): Map<string, string> {
  return header(value).params;
}

test('answers the RFC 2617 §3.5 example from HA1 alone', () => {
  const answer = authorizationFor({
    challenge: header('Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"'),
    method: 'GET',
    uri: '/dir/index.html',
    credential: credential('Mufasa', 'testrealm@host.com', 'Circle Of Life'),
    cnonce: '0a4f113b',
  });
  assert.ok(answer.ok, answer.ok ? '' : answer.error);
  assert.equal(answer.name, 'Authorization');
  const sent = params(answer.value);
  assert.equal(sent.get('response'), '6629fae49393a05397450978507c4ef1');
  assert.equal(sent.get('username'), 'Mufasa');
  assert.equal(sent.get('qop'), 'auth');
  assert.equal(sent.get('nc'), '00000001');
  assert.equal(sent.get('cnonce'), '0a4f113b');
  assert.equal(sent.get('opaque'), '5ccc069c403ebaf9f0171e9517f40e41');
  assert.match(answer.value, /, qop=auth, nc=00000001/, 'qop and nc are tokens in credentials');
});

test('a 407 challenge is answered in Proxy-Authorization', () => {
  const answer = authorizationFor({
    challenge: header('Digest realm="trunk.example", nonce="abc", qop="auth"'),
    challengeHeader: 'Proxy-Authenticate',
    method: 'INVITE', uri: 'sip:+85512345678@trunk.example:5060',
    credential: credential('acme', 'trunk.example', 'secret'),
  });
  assert.ok(answer.ok);
  assert.equal(answer.name, 'Proxy-Authorization');
});

test('without qop the RFC 2069 digest MD5(HA1:nonce:HA2) is sent, without cnonce or nc', () => {
  const cred = credential('acme', 'trunk.example', 'secret');
  const answer = authorizationFor({
    challenge: header('Digest realm="trunk.example", nonce="n0nce"'),
    method: 'INVITE', uri: 'sip:100@trunk.example', credential: cred,
  });
  assert.ok(answer.ok);
  const sent = params(answer.value);
  assert.equal(sent.get('response'), md5(`${cred.ha1}:n0nce:${md5('INVITE:sip:100@trunk.example')}`));
  assert.equal(sent.has('cnonce'), false);
  assert.equal(sent.has('nc'), false);
  assert.equal(sent.has('qop'), false);
});

test('MD5-sess is answered with HA1-sess = MD5(HA1:nonce:cnonce)', () => {
  const cred = credential('acme', 'trunk.example', 'secret');
  const answer = authorizationFor({
    challenge: header('Digest realm="trunk.example", nonce="n1", algorithm=MD5-sess, qop="auth"'),
    method: 'INVITE', uri: 'sip:100@trunk.example', credential: cred, cnonce: 'c1', nc: 2,
  });
  assert.ok(answer.ok);
  const sent = params(answer.value);
  const ha1Sess = md5(`${cred.ha1}:n1:c1`);
  assert.equal(sent.get('response'), md5(`${ha1Sess}:n1:00000002:c1:auth:${md5('INVITE:sip:100@trunk.example')}`));
  assert.equal(sent.get('algorithm'), 'MD5-sess');
  assert.equal(sent.get('nc'), '00000002');
});

test('challenges HA1 cannot answer are refused with a reason', () => {
  const cred = credential('acme', 'trunk.example', 'secret');
  const cases: Array<[string, string, RegExp]> = [
    ['other realm', 'Digest realm="other.example", nonce="n"', /"other\.example".*"trunk\.example"/],
    ['SHA-256', 'Digest realm="trunk.example", nonce="n", algorithm=SHA-256', /SHA-256/],
    ['auth-int only', 'Digest realm="trunk.example", nonce="n", qop="auth-int"', /auth-int/],
    ['no nonce', 'Digest realm="trunk.example"', /nonce/],
    ['Basic', 'Basic realm="trunk.example"', /Basic/],
  ];
  for (const [name, value, error] of cases) {
    const answer = authorizationFor({ challenge: header(value), method: 'INVITE', uri: 'sip:1@trunk.example', credential: cred });
    assert.equal(answer.ok, false, name);
    if (!answer.ok) assert.match(answer.error, error, name);
  }
});

test('digestChallengeOf picks the first challenge HA1 can answer, from the header the status implies', () => {
  const headers = [
    { name: 'WWW-Authenticate', value: 'Digest realm="r", nonce="sha", algorithm=SHA-256' },
    { name: 'WWW-Authenticate', value: 'Digest realm="r", nonce="md5", algorithm=MD5' },
    { name: 'Proxy-Authenticate', value: 'Digest realm="r", nonce="proxy"' },
  ];
  const fromUnauthorized = digestChallengeOf({ status: 401, headers });
  assert.equal(fromUnauthorized?.challengeHeader, 'WWW-Authenticate');
  assert.equal(fromUnauthorized?.challenge.params.get('nonce'), 'md5');
  const fromProxy = digestChallengeOf({ status: 407, headers });
  assert.equal(fromProxy?.challengeHeader, 'Proxy-Authenticate');
  assert.equal(fromProxy?.challenge.params.get('nonce'), 'proxy');
  assert.equal(digestChallengeOf({ status: 403, headers }), undefined);
  assert.equal(digestChallengeOf({ status: 401, headers: headers.slice(0, 1) }), undefined);
});
