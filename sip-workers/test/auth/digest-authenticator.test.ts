import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { DigestCredential } from '../../../api/routing/schema.ts';
import { DigestAuthenticator } from '../../src/auth/digest-authenticator.ts';
import type { DigestVerdict } from '../../src/auth/digest-authenticator.ts';
import { authorizationFor } from '../../src/auth/digest-client.ts';
import { formatAuthHeader, parseAuthHeader } from '../../src/sip/digest.ts';
import type { AuthHeader } from '../../src/sip/digest.ts';
import { parseUri } from '../../src/sip/uri.ts';
import type { Uri } from '../../src/sip/uri.ts';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const REALM = 'pbx.acme.example';
const SECRET = Buffer.alloc(32, 7);

function credential(username: string, realm: string, password: string): DigestCredential {
  return { username, realm, ha1: md5(`${username}:${realm}:${password}`), ha1b: md5(`${username}@${realm}:${realm}:${password}`) };
}

function uri(text: string): Uri {
  const parsed = parseUri(text);
  assert.ok(parsed.ok);
  return parsed.value;
}

function header(value: string): AuthHeader {
  const parsed = parseAuthHeader(value);
  assert.ok(parsed.ok);
  return parsed.value;
}

const alice = credential('alice', REALM, 'wonderland');
const users = new Map([[alice.username, alice]]);
const lookup = (username: string) => users.get(username);

function clock(start = 1_700_000_000_000) {
  const state = { now: start };
  return { state, now: () => state.now };
}

function answer(challenge: string, cred: DigestCredential, options: { nc?: number; uri?: string; method?: string } = {}): string {
  const result = authorizationFor({
    challenge: header(challenge), method: options.method ?? 'INVITE', uri: options.uri ?? 'sip:100@pbx.acme.example', credential: cred, ...(options.nc ? { nc: options.nc } : {}),
  });
  assert.ok(result.ok, result.ok ? '' : result.error);
  return result.value;
}

function verify(server: DigestAuthenticator, authorization: string | undefined, requestUri = 'sip:100@pbx.acme.example'): DigestVerdict {
  return server.verify({ method: 'INVITE', uri: uri(requestUri), authorization }, lookup, REALM);
}

test('the challenge offers qop=auth and MD5 with a nonce, and stale=TRUE only when asked', () => {
  const server = new DigestAuthenticator({ secret: SECRET });
  const fresh = header(server.challenge(REALM, { opaque: 'op' }));
  assert.equal(fresh.scheme, 'Digest');
  assert.equal(fresh.params.get('realm'), REALM);
  assert.equal(fresh.params.get('qop'), 'auth');
  assert.equal(fresh.params.get('algorithm'), 'MD5');
  assert.equal(fresh.params.get('opaque'), 'op');
  assert.equal(fresh.params.has('stale'), false);
  assert.ok((fresh.params.get('nonce') ?? '').length > 20);
  assert.equal(header(server.challenge(REALM, { stale: true })).params.get('stale'), 'TRUE');
  assert.notEqual(header(server.challenge(REALM)).params.get('nonce'), header(server.challenge(REALM)).params.get('nonce'));
});

test('a client answering with the stored HA1 is accepted (round trip)', () => {
  const server = new DigestAuthenticator({ secret: SECRET });
  assert.deepEqual(verify(server, answer(server.challenge(REALM), alice)), { ok: true, username: 'alice' });
});

test('an RFC 2069 answer (no qop) is accepted once', () => {
  const server = new DigestAuthenticator({ secret: SECRET });
  const challenge = header(server.challenge(REALM));
  challenge.params.delete('qop');
  const authorization = answer(formatAuthHeader(challenge), alice);
  assert.doesNotMatch(authorization, /qop/);
  assert.deepEqual(verify(server, authorization), { ok: true, username: 'alice' });
  assert.deepEqual(verify(server, authorization), { ok: false, reason: 'replay', stale: true });
});

test('a nonce-count that does not increase is a replay; a higher one is accepted', () => {
  const server = new DigestAuthenticator({ secret: SECRET });
  const challenge = server.challenge(REALM);
  assert.equal(verify(server, answer(challenge, alice, { nc: 1 })).ok, true);
  assert.deepEqual(verify(server, answer(challenge, alice, { nc: 1 })), { ok: false, reason: 'replay', stale: true });
  assert.equal(verify(server, answer(challenge, alice, { nc: 3 })).ok, true);
  assert.equal(verify(server, answer(challenge, alice, { nc: 2 })).ok, false);
});

test('an expired nonce with a correct digest is stale; with a wrong one it is a bad response', () => {
  const time = clock();
  const server = new DigestAuthenticator({ secret: SECRET, now: time.now, nonceLifetimeSeconds: 300 });
  const challenge = server.challenge(REALM);
  time.state.now += 299_000;
  assert.equal(verify(server, answer(challenge, alice)).ok, true);
  time.state.now += 2_000;
  assert.deepEqual(verify(server, answer(challenge, alice, { nc: 2 })), { ok: false, reason: 'stale-nonce', stale: true });
  assert.deepEqual(verify(server, answer(challenge, credential('alice', REALM, 'guess'), { nc: 3 })), { ok: false, reason: 'bad-response' });
});

test('a credential from another password is a bad response', () => {
  const server = new DigestAuthenticator({ secret: SECRET });
  assert.deepEqual(verify(server, answer(server.challenge(REALM), credential('alice', REALM, 'looking-glass'))), { ok: false, reason: 'bad-response' });
});

test('a wrong password does not use up the nonce-count, so the real client still gets in', () => {
  const server = new DigestAuthenticator({ secret: SECRET });
  const challenge = server.challenge(REALM);
  assert.equal(verify(server, answer(challenge, credential('alice', REALM, 'guess'), { nc: 9 })).ok, false);
  assert.equal(verify(server, answer(challenge, alice, { nc: 1 })).ok, true);
});

test('a client that authenticates as user@realm is checked against Hash1b (Bandwidth seed values)', () => {
  const realm = 'custxx.auth.bandwidth.com';
  // Hash1 and Hash1b exactly as the seed lists them for sipauthtest / password.
  const stored: DigestCredential = { username: 'sipauthtest', realm, ha1: 'fe438bddfc087dda89d29e637f5684ab', ha1b: '79bb0e55551e14a2f329a282c7cf1456' };
  const server = new DigestAuthenticator({ secret: SECRET });
  const requestUri = `sip:+17778889999@${realm}:5006`;
  const check = (authorization: string) =>
    server.verify({ method: 'INVITE', uri: uri(requestUri), authorization }, (u) => (u === 'sipauthtest' ? stored : undefined), realm);
  // What a UA configured with auth username "sipauthtest@realm" and the password computes.
  const composite = credential(`sipauthtest@${realm}`, realm, 'password');
  assert.deepEqual(check(answer(server.challenge(realm), composite, { uri: requestUri })), { ok: true, username: 'sipauthtest' });
  const plain = credential('sipauthtest', realm, 'password');
  assert.deepEqual(check(answer(server.challenge(realm), plain, { uri: requestUri })), { ok: true, username: 'sipauthtest' });
  const wrong = credential(`sipauthtest@${realm}`, realm, 'guess');
  assert.deepEqual(check(answer(server.challenge(realm), wrong, { uri: requestUri })), { ok: false, reason: 'bad-response' });
});

test('the uri directive must designate the Request-URI', () => {
  const server = new DigestAuthenticator({ secret: SECRET });
  const authorization = answer(server.challenge(REALM), alice, { uri: 'sip:100@PBX.acme.example;transport=tcp' });
  assert.equal(verify(server, authorization, 'sip:100@pbx.acme.example;transport=TCP').ok, true, 'host and param case do not matter');
  const other = answer(server.challenge(REALM), alice, { uri: 'sip:100@pbx.acme.example' });
  assert.deepEqual(verify(server, other, 'sip:200@pbx.acme.example'), { ok: false, reason: 'uri-mismatch' });
  assert.deepEqual(verify(server, other, 'sip:100@pbx.acme.example:5070'), { ok: false, reason: 'uri-mismatch' });
});

test('nonces are sealed by the shared secret and the realm', () => {
  const time = clock();
  const issuer = new DigestAuthenticator({ secret: SECRET, now: time.now });
  const replica = new DigestAuthenticator({ secret: Buffer.from(SECRET), now: time.now });
  const stranger = new DigestAuthenticator({ secret: Buffer.alloc(32, 8), now: time.now });
  const challenge = issuer.challenge(REALM);
  assert.equal(verify(replica, answer(challenge, alice)).ok, true, 'a replica with the same key verifies');
  assert.deepEqual(verify(stranger, answer(challenge, alice)), { ok: false, reason: 'bad-nonce' });

  const otherRealm = 'other.example';
  const foreign = header(issuer.challenge(otherRealm));
  foreign.params.set('realm', REALM);
  assert.deepEqual(verify(issuer, answer(formatAuthHeader(foreign), alice)), { ok: false, reason: 'bad-nonce' }, 'nonce of another realm');

  const nonce = header(challenge).params.get('nonce') ?? '';
  const flipped = `${nonce.slice(0, 3)}${nonce[3] === 'A' ? 'B' : 'A'}${nonce.slice(4)}`;
  const tampered = header(challenge);
  tampered.params.set('nonce', flipped);
  assert.deepEqual(verify(issuer, answer(formatAuthHeader(tampered), alice)), { ok: false, reason: 'bad-nonce' });
});

test('requests that cannot be checked are refused by name', () => {
  const server = new DigestAuthenticator({ secret: SECRET });
  const challenge = server.challenge(REALM);
  const cases: Array<[string, string | undefined, DigestVerdict]> = [
    ['no header', undefined, { ok: false, reason: 'missing' }],
    ['Basic', 'Basic YWxpY2U6d29uZGVybGFuZA==', { ok: false, reason: 'malformed' }],
    ['no response', 'Digest username="alice", realm="pbx.acme.example", nonce="x", uri="sip:100@pbx.acme.example"', { ok: false, reason: 'malformed' }],
    ['qop without nc', answer(challenge, alice).replace(/, nc=\w+/, ''), { ok: false, reason: 'malformed' }],
    ['MD5-sess to an MD5 challenge', answer(challenge.replace('algorithm=MD5', 'algorithm=MD5-sess'), alice), { ok: false, reason: 'malformed' }],
    ['other realm', answer(challenge.replace(REALM, 'evil.example'), credential('alice', 'evil.example', 'x')), { ok: false, reason: 'wrong-realm' }],
    ['unknown user', answer(challenge, credential('mallory', REALM, 'x')), { ok: false, reason: 'unknown-user' }],
  ];
  for (const [name, authorization, expected] of cases) assert.deepEqual(verify(server, authorization), expected, name);
});

test('a credential stored for another realm does not answer for this one', () => {
  const server = new DigestAuthenticator({ secret: SECRET });
  const elsewhere = credential('alice', 'elsewhere.example', 'wonderland');
  const verdict = server.verify(
    { method: 'INVITE', uri: uri('sip:100@pbx.acme.example'), authorization: answer(server.challenge(REALM), { ...elsewhere, realm: REALM }) },
    () => elsewhere, REALM,
  );
  assert.deepEqual(verdict, { ok: false, reason: 'unknown-user' });
});

test('when the nonce table is full, evicted nonces come back stale, never as fresh', () => {
  const time = clock();
  const server = new DigestAuthenticator({ secret: SECRET, now: time.now, maxTrackedNonces: 2 });
  const challenges = [server.challenge(REALM), server.challenge(REALM), server.challenge(REALM)];
  for (const challenge of challenges) {
    time.state.now += 1;
    assert.equal(verify(server, answer(challenge, alice)).ok, true);
  }
  // The first nonce was pushed out: its nc=1 again must not pass as a first use.
  assert.deepEqual(verify(server, answer(challenges[0] ?? '', alice)), { ok: false, reason: 'stale-nonce', stale: true });
  assert.equal(verify(server, answer(challenges[2] ?? '', alice, { nc: 2 })).ok, true, 'tracked nonces keep counting');
  time.state.now += 1;
  assert.equal(verify(server, answer(server.challenge(REALM), alice)).ok, true, 'new nonces are unaffected');
});

test('a secret shorter than 16 bytes is refused', () => {
  assert.throws(() => new DigestAuthenticator({ secret: Buffer.alloc(8) }), /16 bytes/);
});
