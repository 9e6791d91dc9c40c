// Certificate-based APNs authentication, as sip:carrier's pushd does it with PushChatCert.pem and
// PushChatKey.pem: the push service opens its HTTP/2 connection with the APNs certificate as its
// TLS client certificate and sends no provider token. The fake APNs trusts client certificates
// from a stand-in for Apple's CA only, and lets each push only to the app its certificate names.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createPrivateKey, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { ApnsClient } from '../../src/push/apns/apns-client.ts';
import { createPushService } from '../../src/push/push-service.ts';
import { freePort } from '../../../testing/control-plane/processes.ts';
import { appleCertificateAuthority, applePushCertificate } from '../support/push-gateways/apns-certificates.ts';
import { startFakeApns } from '../support/push-gateways/fake-apns.ts';
import { apnsSigningKey } from '../support/push-gateways/push-credentials.ts';
import type { TestCertificate } from '../support/tls-certificate.ts';
import { carrier, deviceToken, gatewayCertificate, keyID, teamID, TestClock, topic } from './push-harness.ts';

const bundleID = topic.replace(/\.voip$/, '');
const dir = mkdtempSync(join(tmpdir(), 'switchyard-apns-certificates-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const apple = appleCertificateAuthority(dir);
// Made here, at the file's top level, so its files stay until the file ends (s_server reads them).
const gateway = gatewayCertificate();
const issued = applePushCertificate(dir, apple, { name: 'phone', bundleID, teamID });

async function certificateService(certificate: { cert: string; key: string }) {
  const clock = new TestClock();
  clock.ms = Date.now();
  const apns = await startFakeApns({ certificate: gateway, teamID, keyID, publicKey: apnsSigningKey().publicKey, topic, now: clock.now, clientCA: apple.cert });
  const logs: Array<Record<string, unknown>> = [];
  const service = createPushService({
    carrier,
    apns: { teamID, topic, origin: apns.origin, tokenRefreshMs: 40 * 60_000, certificate: () => certificate },
    extraCA: gateway.cert,
    ttlSeconds: 30,
    requestTimeoutMs: 5000,
    retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 50 },
    dedupMs: 60_000,
  }, pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) }), { now: clock.now, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)), random: () => 0.5 });
  after(async () => {
    await service.close();
    await apns.close();
  });
  const push = (callId: string) => service.dispatcher.push({ callId, provider: 'apns', prid: deviceToken(0x31), param: `${teamID}.${topic}`, from: '+85512345678' });
  return { apns, service, push, logs };
}

const pairOf = (certificate: TestCertificate) => ({ cert: certificate.cert, key: certificate.key });

test('with an APNs certificate the push goes out on a connection the certificate authenticated, with no provider token', async () => {
  const { apns, service, push } = await certificateService(pairOf(issued));
  const first = await push('CA0501');
  assert.equal(first.outcome.kind, 'sent');
  assert.equal((await push('CA0502')).outcome.kind, 'sent');

  const delivered = apns.delivered();
  assert.equal(delivered.length, 2);
  assert.deepEqual(delivered.map((request) => request.clientCertificate), [{ bundleID, teamID }, { bundleID, teamID }]);
  assert.equal(delivered[0]?.headers.authorization, undefined, 'no provider token beside the certificate');
  assert.equal(delivered[0]?.headers['apns-topic'], topic);
  assert.equal(delivered[0]?.headers['apns-push-type'], 'voip');
  assert.equal(service.health.get('apns')?.state, 'valid');
  const signed = (await service.metrics.registry.getMetricsAsJSON()).find((metric) => metric.name === 'switchyard_push_auth_tokens_total');
  assert.equal((signed?.values ?? []).length, 0, 'nothing signed');
});

test('a certificate Apple did not issue is bad credentials (BadCertificate): not retried, and the health says so', async () => {
  const stranger = applePushCertificate(dir, appleCertificateAuthority(mkdtempSync(join(dir, 'other-ca-'))), { name: 'self-made', bundleID, teamID });
  const { apns, service, push, logs } = await certificateService(pairOf(stranger));
  const reply = await push('CA0601');
  assert.equal(reply.outcome.kind === 'bad-credentials' ? reply.outcome.reason : reply.outcome.kind, 'BadCertificate');
  assert.equal(reply.attempts, 1, 'the same certificate would be refused again');
  assert.deepEqual(apns.requests.map((request) => [request.status, request.reason]), [[403, 'BadCertificate']]);
  assert.equal(service.health.get('apns')?.state, 'rejected');
  assert.equal(service.health.get('apns')?.reason, 'BadCertificate');
  assert.equal(logs.filter((line) => line.event === 'push-credentials-rejected').length, 1);
});

// Over TLS 1.3 the alert is the stream's error; over TLS 1.2 the stream is cancelled, the alert its cause.
for (const version of ['tls1_3', 'tls1_2']) {
test(`a TLS alert refusing the client certificate, from a real TLS stack (OpenSSL's s_server, ${version}), is bad credentials (BadCertificate), not a retry`, async () => {
  const stranger = applePushCertificate(dir, appleCertificateAuthority(mkdtempSync(join(dir, 'alert-ca-'))), { name: `alerted-${version}`, bundleID, teamID });
  const port = await freePort();
  const server = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', gateway.certFile, '-key', gateway.keyFile, '-Verify', '1', '-verify_return_error', '-CAfile', apple.certFile, '-alpn', 'h2', '-quiet', `-${version}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  after(() => server.kill());
  let log = '';
  for (const output of [server.stdout, server.stderr]) output.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const client = new ApnsClient({ certificate: pairOf(stranger), origin: `https://127.0.0.1:${port}`, topic, ca: [gateway.cert], requestTimeoutMs: 5000 });
  after(() => client.close());
  let attempt: Awaited<ReturnType<ApnsClient['send']>> | undefined;
  for (let tries = 0; tries < 50; tries++) {
    attempt = await client.send({ deviceToken: deviceToken(0x41), apnsId: randomUUID(), expiresAtSeconds: 0, payload: { type: 'incoming-call' } });
    // Until s_server listens the connection is refused, which is worth a retry.
    if (attempt.outcome.kind !== 'retry' || !/ECONNREFUSED/.test(attempt.outcome.detail ?? '')) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(attempt?.outcome.kind, 'bad-credentials', `s_server: ${log}`);
  assert.equal(attempt.outcome.kind === 'bad-credentials' ? attempt.outcome.reason : '', 'BadCertificate');
  assert.match(attempt.outcome.kind === 'bad-credentials' ? attempt.outcome.message : '', /during the handshake \(ALERT_UNKNOWN_CA\)/);
  // s_server writes why it refused the certificate around the time it sends the alert.
  for (let waited = 0; waited < 3000 && !/unable to get local issuer certificate/.test(log); waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.match(log, /unable to get local issuer certificate/, 'the server refused the certificate');
});
}

test('a certificate for another app may not push to the Carrier\'s topic (TopicDisallowed), reported as the credentials\' fault', async () => {
  const otherApp = applePushCertificate(dir, apple, { name: 'other-app', bundleID: 'com.example.other', teamID });
  const { apns, service, push } = await certificateService(pairOf(otherApp));
  const reply = await push('CA0701');
  assert.deepEqual(reply.outcome.kind === 'bad-credentials' ? reply.outcome.reason : reply.outcome, 'TopicDisallowed');
  assert.equal(apns.requests[0]?.clientCertificate?.bundleID, 'com.example.other');
  assert.equal(service.health.get('apns')?.state, 'rejected');
});

test('a key that is not the certificate\'s leaves APNs out from the start, said as unreadable, with no request to Apple', async () => {
  const other = applePushCertificate(dir, apple, { name: 'other-key', bundleID, teamID });
  const { apns, service, push } = await certificateService({ cert: issued.cert, key: other.key });
  const health = service.health.get('apns');
  assert.equal(health?.state, 'unreadable');
  assert.equal(health?.message, 'APNs certificate unusable: the key file is not the key of its certificate');
  const reply = await push('CA0801');
  assert.equal(reply.outcome.kind === 'bad-credentials' ? reply.outcome.reason : reply.outcome.kind, 'KeyUnreadable');
  assert.equal(apns.requests.length, 0);
});

test('a key encrypted with a passphrase (openssl pkcs12 -nocerts without -nodes, as the Sipwise steps write it) is said to be encrypted', async () => {
  const encrypted = createPrivateKey(issued.key).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'keychain' }).toString();
  const { service, apns } = await certificateService({ cert: issued.cert, key: encrypted });
  assert.equal(service.health.get('apns')?.message, 'APNs certificate unusable: the key file is encrypted with a passphrase, which no pod can give: store it decrypted (openssl pkey -in key.pem -out decrypted.pem)');
  assert.equal(apns.requests.length, 0);
});
