// A phone registered over TLS from behind NAT (its Contact and Via name a private address no one
// can reach) is called over the TLS connection its REGISTER came on: the INVITE, the ACK of the
// answer and the BYE all arrive on that connection; once that connection is gone, no other is
// opened towards it. The caller is a SIPp trunk call over UDP.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import { redisMissing, startRedisServer } from '../support/redis-server.ts';
import type { RedisServer } from '../support/redis-server.ts';
import { agent102, kampot, pepperNumber, registrarRouting } from '../support/registrar-routing.ts';
import { startRegistrarWorker } from '../support/registrar-worker.ts';
import type { RegistrarWorker } from '../support/registrar-worker.ts';
import { callerAnswered, callerExpecting } from '../support/scenarios.ts';
import { runSipp, sippMissing } from '../support/sipp.ts';
import { selfSignedCertificate } from '../support/tls-certificate.ts';
import type { TestCertificate } from '../support/tls-certificate.ts';
import { TlsPhone } from '../support/tls-phone.ts';
import { startWebhookServer, twiml } from '../support/webhook-server.ts';
import type { WebhookServer } from '../support/webhook-server.ts';
import { until } from '../sip/transaction-helpers.ts';

const privateContact = '<sip:agent-102@127.0.0.99:5061;transport=tls>';
const answerSdp = 'v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';

/** A TLS server on `host`:`port` that counts the connections made to it (from their first byte, handshake or not). */
async function listeningImposter(port: number, host = '127.0.0.1'): Promise<{ connections: number; close(): Promise<void> }> {
  const imposter = { connections: 0, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  const server = createTlsServer({ key: certificate.key, cert: certificate.cert }, (socket) => socket.destroy());
  server.on('connection', () => imposter.connections++);
  // The phone's side of the closed connection may hold the port a moment longer.
  for (let attempt = 0; ; attempt++) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      return imposter;
    } catch (error) {
      if (attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

let certificate: TestCertificate;

describe('a phone registered over TLS', { skip: sippMissing || redisMissing, timeout: 60_000 }, () => {
  let dir: string;
  let redis: RedisServer;
  let webhook: WebhookServer;
  let worker: RegistrarWorker;
  /** Another replica on the same Redis: it does not hold the phone's connection. */
  let replica: RegistrarWorker;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchyard-tls-registration-'));
    certificate = selfSignedCertificate(dir, 'sip');
    redis = await startRedisServer();
    webhook = await startWebhookServer();
    const tls = { port: 0, certFile: certificate.certFile, keyFile: certificate.keyFile, caFile: certificate.certFile };
    worker = await startRegistrarWorker(registrarRouting(webhook.base), redis.url, { tls });
    replica = await startRegistrarWorker(registrarRouting(webhook.base), redis.url, { tls });
  });
  after(async () => {
    await replica.close();
    await worker.close();
    await webhook.close();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('is called over the TLS connection its REGISTER came on: INVITE, ACK and BYE arrive on it', async () => {
    const phone = await TlsPhone.connect(worker.running.transport.tlsPort, certificate.cert);
    try {
      const registered = await phone.register({ domain: kampot, user: agent102.username, password: agent102.password, contact: privateContact, expires: 300 });
      assert.match(registered.startLine, /^SIP\/2\.0 200 /);
      const [binding] = await worker.bindings(kampot, agent102.username);
      assert.deepEqual(binding?.flow, { transport: 'tls', address: '127.0.0.1', port: phone.localPort, edge: worker.running.transport.sentBy });

      webhook.route('/client', twiml('<Dial timeout="10"><Client>agent-102</Client></Dial>'));
      const caller = runSipp({ scenario: callerAnswered({ to: pepperNumber, holdMs: 300 }), remote: `127.0.0.1:${worker.port}`, calls: 1 });

      const invite = await phone.next();
      assert.match(invite.startLine, /^INVITE sip:agent-102@127\.0\.0\.99:5061;transport=tls SIP\/2\.0$/);
      assert.match(invite.header('Via') ?? invite.header('v') ?? '', /^SIP\/2\.0\/TLS /);
      phone.answer(invite, '180 Ringing');
      phone.answer(invite, '200 OK', [`Contact: ${privateContact}`, 'Content-Type: application/sdp'], answerSdp);
      const ack = await phone.next();
      assert.match(ack.startLine, /^ACK sip:agent-102@127\.0\.0\.99:5061;transport=tls SIP\/2\.0$/);
      const bye = await phone.next();
      assert.match(bye.startLine, /^BYE sip:agent-102@127\.0\.0\.99:5061;transport=tls SIP\/2\.0$/);
      phone.answer(bye, '200 OK');

      const result = await caller;
      assert.equal(result.code, 0, `caller: sipp exited ${result.code}\n${result.stderr.slice(-1500)}`);
    } finally {
      phone.close();
    }
  });

  test('once its connection is gone, the phone is not called by a new connection to its old port (behind NAT that reaches someone else): the caller gets 480 at once', async () => {
    const phone = await TlsPhone.connect(worker.running.transport.tlsPort, certificate.cert);
    const registered = await phone.register({ domain: kampot, user: agent102.username, password: agent102.password, contact: privateContact, expires: 300 });
    assert.match(registered.startLine, /^SIP\/2\.0 200 /);
    const port = phone.localPort;
    phone.close();
    await until(() => worker.running.transport.tcpConnectionCount === 0, 'the worker saw the connection close');
    // Whoever the NAT now maps that port to: here, a TLS server holding the same certificate.
    const imposter = await listeningImposter(port);
    try {
      webhook.route('/client', twiml('<Dial timeout="5"><Client>agent-102</Client></Dial>'));
      const started = performance.now();
      const result = await runSipp({ scenario: callerExpecting(480, { to: pepperNumber }), remote: `127.0.0.1:${worker.port}`, calls: 1 });
      assert.equal(result.code, 0, `caller: sipp exited ${result.code}\n${result.stderr.slice(-1500)}`);
      assert.ok(performance.now() - started < 4000, 'refused without ringing out the 5 s <Dial> timeout');
      assert.equal(imposter.connections, 0, 'no connection was opened to the old port');
    } finally {
      await imposter.close();
    }
  });

  test('a call through another replica is not sent to the phone\'s private Contact (behind NAT that reaches someone else): the caller gets 480 at once', async () => {
    const phone = await TlsPhone.connect(worker.running.transport.tlsPort, certificate.cert);
    // Whoever holds the phone's private address on our side of the NAT.
    const imposter = await listeningImposter(5061, '127.0.0.99');
    try {
      const registered = await phone.register({ domain: kampot, user: agent102.username, password: agent102.password, contact: privateContact, expires: 300 });
      assert.match(registered.startLine, /^SIP\/2\.0 200 /);
      assert.equal((await replica.bindings(kampot, agent102.username)).length, 1, 'the replica sees the binding');
      webhook.route('/client', twiml('<Dial timeout="5"><Client>agent-102</Client></Dial>'));
      const started = performance.now();
      const result = await runSipp({ scenario: callerExpecting(480, { to: pepperNumber }), remote: `127.0.0.1:${replica.port}`, calls: 1 });
      assert.equal(result.code, 0, `caller: sipp exited ${result.code}\n${result.stderr.slice(-1500)}`);
      assert.ok(performance.now() - started < 4000, 'refused without ringing out the 5 s <Dial> timeout');
      assert.equal(imposter.connections, 0, 'no connection was opened to the private Contact');
    } finally {
      phone.close();
      await imposter.close();
    }
  });
});
