// The push service against a fake APNs that checks requests as Apple does: one VoIP push per
// call and device, the provider token's lifetime, and what each APNs answer becomes.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createSecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { ApnsClient } from '../../src/push/apns/apns-client.ts';
import { startHttpApi } from '../../src/push/http-api.ts';
import { ApnsProviderToken, loadApnsKey } from '../../src/push/apns/provider-token.ts';
import { startFakeApns } from '../support/push-gateways/fake-apns.ts';
import { apnsSigningKey } from '../support/push-gateways/push-credentials.ts';
import { selfSignedCertificate } from '../support/tls-certificate.ts';
import { carrier, deviceToken, gatewayCertificate, keyID, pushFixture, teamID, TestClock, topic } from './push-harness.ts';

test('a call wakes the phone with one VoIP push carrying a valid ES256 provider token, however often the worker asks', async () => {
  const { push, apns, clock } = await pushFixture();
  const request = { callId: 'CA0001', provider: 'apns' as const, prid: deviceToken(1), param: `${teamID}.${topic}` };
  const replies = await Promise.all([push(request), push(request), push(request)]);
  replies.push(await push(request));

  assert.equal(apns.requests.length, 1, 'Apple saw one request');
  const [sent] = apns.delivered();
  assert.ok(sent, 'Apple accepted it');
  assert.deepEqual(replies.map((reply) => reply.outcome.kind), ['sent', 'sent', 'sent', 'sent']);
  assert.deepEqual(replies.map((reply) => reply.duplicate), [false, true, true, true]);
  assert.equal(sent.deviceToken, deviceToken(1));
  assert.deepEqual(sent.tokenClaims, { iss: teamID, iat: clock.ms / 1000 });
  assert.equal(sent.headers['apns-topic'], topic);
  assert.equal(sent.headers['apns-push-type'], 'voip');
  assert.equal(sent.headers['apns-priority'], '10');
  assert.equal(sent.headers['apns-expiration'], String(clock.ms / 1000 + 30), 'held no longer than the call waits');
  const first = replies[0]?.outcome;
  assert.equal(first?.kind === 'sent' ? first.id : undefined, sent.headers['apns-id']);
  assert.deepEqual(sent.payload, { type: 'incoming-call', callId: 'CA0001', carrier, from: '+85512345678' });

  await push({ ...request, callId: 'CA0002' });
  assert.equal(apns.delivered().length, 2, 'the next call is pushed again');
});

test('the provider token is reused for 40 minutes and signed anew after, as Apple allows (20 to 60 minutes)', async () => {
  const { push, apns, clock, metric } = await pushFixture();
  const startedAt = clock.ms;
  const at = async (minutes: number, callId: string) => {
    clock.ms = startedAt + minutes * 60_000;
    return (await push({ callId, provider: 'apns', prid: deviceToken(2) })).outcome.kind;
  };
  assert.deepEqual([await at(0, 'CA1'), await at(10, 'CA2'), await at(39, 'CA3'), await at(41, 'CA4'), await at(79, 'CA5')], ['sent', 'sent', 'sent', 'sent', 'sent']);

  const tokens = apns.requests.map((request) => request.providerToken);
  assert.equal(new Set(tokens.slice(0, 3)).size, 1, 'one token for the first 40 minutes');
  assert.notEqual(tokens[3], tokens[0], 'a new token after 40 minutes');
  assert.equal(tokens[4], tokens[3]);
  assert.equal(apns.requests[3]?.tokenClaims?.iat, startedAt / 1000 + 41 * 60);
  assert.equal(await metric('switchyard_push_auth_tokens_total', { provider: 'apns' }), 2);
});

test('the fake APNs refuses what Apple refuses: a foreign key, an hour-old token, a token replaced within 20 minutes', async () => {
  const clock = new TestClock();
  const appleKey = apnsSigningKey();
  const apns = await startFakeApns({ certificate: gatewayCertificate(), teamID, keyID, publicKey: appleKey.publicKey, topic, now: clock.now });
  after(() => apns.close());
  const send = async (key: string, signedAt: number) => {
    const token = new ApnsProviderToken({ teamID, keyID, key: loadApnsKey(key), refreshAfterMs: 40 * 60_000, now: () => signedAt });
    const client = new ApnsClient({ origin: apns.origin, topic, token, ca: [gatewayCertificate().cert], requestTimeoutMs: 5000 });
    const attempt = await client.send({ deviceToken: deviceToken(3), apnsId: randomUUID(), expiresAtSeconds: 0, payload: { type: 'incoming-call' } });
    await client.close();
    return attempt.outcome.kind === 'sent' ? 'sent' : attempt.outcome.reason;
  };
  assert.equal(await send(apnsSigningKey().pem, clock.ms), 'InvalidProviderToken');
  assert.equal(await send(appleKey.pem, clock.ms - 61 * 60_000), 'ExpiredProviderToken');
  assert.equal(await send(appleKey.pem, clock.ms - 30 * 60_000), 'sent');
  assert.equal(await send(appleKey.pem, clock.ms - 20 * 60_000), 'TooManyProviderTokenUpdates', 'replaced after 10 minutes');
});

test('a key APNs does not know is reported as bad credentials: in the answer, /v1/status, the metrics and one log line; no retry', async () => {
  const { service, push, apns, logs, metric } = await pushFixture({ foreignApnsKey: true });
  const http = await startHttpApi({ host: '127.0.0.1', port: 0, carrier, service, draining: () => false, log: pino({ level: 'silent' }) });
  try {
    const response = await fetch(`http://127.0.0.1:${http.port}/v1/push`, { method: 'POST', body: JSON.stringify({ callId: 'CA0100', provider: 'apns', prid: deviceToken(4) }) });
    assert.equal(response.status, 502);
    const body = await response.json() as Record<string, unknown>;
    assert.equal(body.outcome, 'bad-credentials');
    assert.equal(body.reason, 'InvalidProviderToken');
    assert.equal(apns.requests.length, 1, 'not retried: the same key would be refused again');

    await push({ callId: 'CA0101', provider: 'apns', prid: deviceToken(4) });
    const status = await (await fetch(`http://127.0.0.1:${http.port}/v1/status`)).json() as { credentials: Record<string, { state: string; reason: string; message: string }> };
    assert.equal(status.credentials.apns?.state, 'rejected');
    assert.equal(status.credentials.apns.reason, 'InvalidProviderToken');
    assert.match(status.credentials.apns.message, /teamID, keyID/);
    assert.equal(await metric('switchyard_push_credentials_valid', { provider: 'apns' }), 0);
    assert.equal(await metric('switchyard_push_failed_total', { provider: 'apns', outcome: 'bad-credentials', reason: 'InvalidProviderToken' }), 2);
    assert.equal(logs.filter((line) => line.event === 'push-credentials-rejected').length, 1, 'logged when it changed, not per push');
  } finally {
    http.server.close();
  }
});

test('410 Unregistered and BadDeviceToken tell the worker to drop the device token (HTTP 410)', async () => {
  const { service, push, apns, metric } = await pushFixture();
  apns.unregister(deviceToken(5));
  const http = await startHttpApi({ host: '127.0.0.1', port: 0, carrier, service, draining: () => false, log: pino({ level: 'silent' }) });
  try {
    const response = await fetch(`http://127.0.0.1:${http.port}/v1/push`, { method: 'POST', body: JSON.stringify({ callId: 'CA0200', provider: 'apns', prid: deviceToken(5) }) });
    assert.equal(response.status, 410);
    assert.deepEqual(await response.json(), { outcome: 'unregistered', provider: 'apns', callId: 'CA0200', reason: 'Unregistered', attempts: 1, duplicate: false });
  } finally {
    http.server.close();
  }
  // 16 bytes: well-formed hex, but no device token Apple issued.
  const reply = await push({ callId: 'CA0201', provider: 'apns', prid: 'ab'.repeat(16) });
  assert.deepEqual(reply.outcome, { kind: 'unregistered', reason: 'BadDeviceToken' });
  assert.equal(apns.requests.length, 2, 'one request each, no retry');
  assert.equal(await metric('switchyard_push_failed_total', { provider: 'apns', outcome: 'unregistered', reason: 'Unregistered' }), 1);
});

test('503 from APNs is retried with backoff, at most the configured number of attempts, with the same apns-id', async () => {
  const { push, apns } = await pushFixture({ maxAttempts: 3 });
  apns.failNext(5, 503, 'ServiceUnavailable');
  const given = await push({ callId: 'CA0300', provider: 'apns', prid: deviceToken(6) });
  assert.deepEqual(given.outcome, { kind: 'unavailable', reason: 'ServiceUnavailable' });
  assert.equal(given.attempts, 3);
  assert.equal(apns.requests.length, 3);
  assert.equal(new Set(apns.requests.map((request) => request.headers['apns-id'])).size, 1);

  const recovered = await push({ callId: 'CA0301', provider: 'apns', prid: deviceToken(6) });
  assert.equal(recovered.outcome.kind, 'sent', 'two more 503s, then Apple takes it');
  assert.equal(recovered.attempts, 3);
  assert.equal(apns.requests.length, 6);
});

test('pn-param naming another app is refused without asking Apple; Linphone\'s multi-service parameters push to the VoIP token', async () => {
  const { push, apns } = await pushFixture();
  const foreign = await push({ callId: 'CA0400', provider: 'apns', prid: deviceToken(7), param: 'ZZZZZ99999.dev.switchyard.phone.voip' });
  assert.deepEqual(foreign.outcome, { kind: 'rejected', reason: 'ParamMismatch' });
  assert.equal(apns.requests.length, 0);

  const linphone = await push({ callId: 'CA0401', provider: 'apns', prid: `${deviceToken(8)}:remote&${deviceToken(9)}:voip`, param: `${teamID}.dev.switchyard.phone.remote&voip` });
  assert.equal(linphone.outcome.kind, 'sent');
  assert.equal(apns.delivered()[0]?.deviceToken, deviceToken(9));
});

test('a connection closed under a request without a word (as a Node TLS server refusing the client certificate closes it) is a retry at once, not a wait for the request timeout', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-apns-drop-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const trusted = selfSignedCertificate(dir, 'trusted-client-ca');
  const presented = selfSignedCertificate(dir, 'presented-client');
  const server = createSecureServer({ key: gatewayCertificate().key, cert: gatewayCertificate().cert, ca: [trusted.cert], requestCert: true, rejectUnauthorized: true });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const client = new ApnsClient({ certificate: { cert: presented.cert, key: presented.key }, origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, topic, ca: [gatewayCertificate().cert], requestTimeoutMs: 60_000 });
  after(() => client.close());
  const attempt = await client.send({ deviceToken: deviceToken(0x77), apnsId: randomUUID(), expiresAtSeconds: 0, payload: { type: 'incoming-call' } });
  assert.equal(attempt.outcome.kind, 'retry');
  assert.equal(attempt.outcome.kind === 'retry' ? attempt.outcome.reason : '', 'ConnectionFailed', 'not Timeout: the test would otherwise wait its 60 s');
  assert.equal(attempt.outcome.kind === 'retry' ? attempt.outcome.detail : '', 'stream ended without a response');
  assert.equal(attempt.status, undefined);
});
