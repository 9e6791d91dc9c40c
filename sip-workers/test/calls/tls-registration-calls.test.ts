// A phone registered over TLS from behind NAT (its Contact and Via name a private address no one
// can reach) is called over the TLS connection its REGISTER came on: the INVITE, the ACK of the
// answer and the BYE all arrive on that connection; once that connection is gone, no other is
// opened towards it. The caller is a SIPp trunk call over UDP.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
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
import { callerAnswered, callerCancelling, callerExpecting, callerHungUpOn } from '../support/scenarios.ts';
import { runSipp, sippMissing } from '../support/sipp.ts';
import { selfSignedCertificate } from '../support/tls-certificate.ts';
import type { TestCertificate } from '../support/tls-certificate.ts';
import { TlsPhone } from '../support/tls-phone.ts';
import type { PhoneMessage } from '../support/tls-phone.ts';
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

/** The phone answers; the ACK and then the caller's BYE must reach it, on its TLS connection, at its Contact. */
async function answeredThenHungUp(phone: TlsPhone, invite: PhoneMessage, caller: Promise<{ code: number | null; stderr: string }>): Promise<void> {
  phone.answer(invite, '180 Ringing');
  phone.answer(invite, '200 OK', [`Contact: ${privateContact}`, 'Content-Type: application/sdp'], answerSdp);
  const ack = await phone.next();
  assert.match(ack.startLine, /^ACK sip:agent-102@127\.0\.0\.99:5061;transport=tls SIP\/2\.0$/);
  const bye = await phone.next();
  assert.match(bye.startLine, /^BYE sip:agent-102@127\.0\.0\.99:5061;transport=tls SIP\/2\.0$/);
  phone.answer(bye, '200 OK');
  const result = await caller;
  assert.equal(result.code, 0, `caller: sipp exited ${result.code}\n${result.stderr.slice(-1500)}`);
}

let certificate: TestCertificate;

describe('a phone registered over TLS', { skip: sippMissing || redisMissing, timeout: 60_000 }, () => {
  let dir: string;
  let redis: RedisServer;
  let webhook: WebhookServer;
  let worker: RegistrarWorker;
  /** Another replica on the same Redis, without the flow token key: it cannot relay. */
  let replica: RegistrarWorker;
  /** Another replica sharing `worker`'s flow token key: it rings the phone through `worker`. */
  let relaying: RegistrarWorker;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchyard-tls-registration-'));
    certificate = selfSignedCertificate(dir, 'sip');
    redis = await startRedisServer();
    webhook = await startWebhookServer();
    const tls = { port: 0, certFile: certificate.certFile, keyFile: certificate.keyFile, caFile: certificate.certFile };
    const flowTokenKey = randomBytes(32);
    worker = await startRegistrarWorker(registrarRouting(webhook.base), redis.url, { tls, flowTokenKey });
    replica = await startRegistrarWorker(registrarRouting(webhook.base), redis.url, { tls });
    relaying = await startRegistrarWorker(registrarRouting(webhook.base), redis.url, { tls, flowTokenKey });
  });
  after(async () => {
    await relaying.close();
    await replica.close();
    await worker.close();
    await webhook.close();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** A call to agent-102 through `through` whose <Dial> (5 s) ends in 480 well before its timeout: the phone was not rung. */
  async function refusedAtOnce(through: RegistrarWorker): Promise<void> {
    webhook.route('/client', twiml('<Dial timeout="5"><Client>agent-102</Client></Dial>'));
    const started = performance.now();
    const result = await runSipp({ scenario: callerExpecting(480, { to: pepperNumber }), remote: `127.0.0.1:${through.port}`, calls: 1 });
    assert.equal(result.code, 0, `caller: sipp exited ${result.code}\n${result.stderr.slice(-1500)}`);
    assert.ok(performance.now() - started < 4000, 'refused without ringing out the 5 s <Dial> timeout');
  }

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
      await answeredThenHungUp(phone, invite, caller);
    } finally {
      phone.close();
    }
  });

  test('once its connection is gone, the phone is not called by a new connection to its old port (behind NAT that reaches someone else): the caller gets 480 at once', async () => {
    const phone = await TlsPhone.connect(worker.running.transport.tlsPort, certificate.cert);
    const registered = await phone.register({ domain: kampot, user: agent102.username, password: agent102.password, contact: privateContact, expires: 300 });
    assert.match(registered.startLine, /^SIP\/2\.0 200 /);
    const port = phone.localPort;
    phone.drop();
    await until(() => worker.running.transport.tcpConnectionCount === 0, 'the worker saw the connection close');
    // Whoever the NAT now maps that port to: here, a TLS server holding the same certificate.
    const imposter = await listeningImposter(port);
    try {
      await refusedAtOnce(worker);
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
      await refusedAtOnce(replica);
      assert.equal(imposter.connections, 0, 'no connection was opened to the private Contact');
    } finally {
      phone.close();
      await imposter.close();
    }
  });

  describe('called through another replica that shares the flow token key', () => {
    /** Registers a phone through `worker` and starts a call on `relaying`; the INVITE the phone gets. */
    async function relayedCall(scenario: string): Promise<{ phone: TlsPhone; invite: PhoneMessage; caller: ReturnType<typeof runSipp> }> {
      const phone = await TlsPhone.connect(worker.running.transport.tlsPort, certificate.cert);
      const registered = await phone.register({ domain: kampot, user: agent102.username, password: agent102.password, contact: privateContact, expires: 300 });
      assert.match(registered.startLine, /^SIP\/2\.0 200 /);
      webhook.route('/client', twiml('<Dial timeout="10"><Client>agent-102</Client></Dial>'));
      const caller = runSipp({ scenario, remote: `127.0.0.1:${relaying.port}`, calls: 1 });
      const invite = await phone.next();
      return { phone, invite, caller };
    }

    test('the INVITE, the ACK of the answer and the caller\'s BYE reach the phone over its TLS connection to the first replica', async () => {
      const { phone, invite, caller } = await relayedCall(callerAnswered({ to: pepperNumber, holdMs: 300 }));
      try {
        assert.match(invite.startLine, /^INVITE sip:agent-102@127\.0\.0\.99:5061;transport=tls SIP\/2\.0$/);
        const recordRoutes = invite.headers.filter(([name]) => name.toLowerCase() === 'record-route').map(([, value]) => value);
        const tlsSentBy = worker.running.transport.sentByFor('tls');
        assert.equal(recordRoutes.length, 2, `two Record-Routes, one facing each side: ${recordRoutes.join(' | ')}`);
        assert.match(recordRoutes[0] ?? '', new RegExp(`^<sip:[A-Za-z0-9_.-]+@${tlsSentBy.replace(/\./g, '\\.')};transport=tls;lr>$`));
        assert.match(recordRoutes[1] ?? '', new RegExp(`^<sip:[A-Za-z0-9_.-]+@${worker.running.transport.sentBy.replace(/\./g, '\\.')};lr>$`));
        const vias = invite.headers.filter(([name]) => /^(via|v)$/i.test(name)).map(([, value]) => value);
        assert.match(vias[0] ?? '', /^SIP\/2\.0\/TLS .*branch=z9hG4bKrelay/, 'the first replica\'s Via on top');
        assert.match(vias[1] ?? '', new RegExp(`^SIP/2\\.0/UDP ${relaying.running.transport.sentBy.replace(/\./g, '\\.')}`), 'the calling replica\'s Via beneath');
        await answeredThenHungUp(phone, invite, caller);
        assert.ok(await worker.metric('switchyard_flow_relay_messages_total', { direction: 'to-phone', outcome: 'relayed' }) >= 3, 'INVITE, ACK and BYE relayed');
      } finally {
        phone.close();
      }
    });

    test('the phone\'s BYE goes back through the replica holding its connection and ends the caller\'s leg', async () => {
      const { phone, invite, caller } = await relayedCall(callerHungUpOn({ to: pepperNumber }));
      try {
        phone.answer(invite, '200 OK', [`Contact: ${privateContact}`, 'Content-Type: application/sdp'], answerSdp);
        await phone.next();
        phone.bye(invite);
        const ok = await phone.next();
        assert.match(ok.startLine, /^SIP\/2\.0 200 /, 'the BYE answered through the relay');
        const result = await caller;
        assert.equal(result.code, 0, `caller: sipp exited ${result.code}\n${result.stderr.slice(-1500)}`);
      } finally {
        phone.close();
      }
    });

    test('the caller\'s CANCEL reaches the ringing phone through the relay: 487 on both legs', async () => {
      const { phone, invite, caller } = await relayedCall(callerCancelling({ to: pepperNumber }));
      try {
        phone.answer(invite, '180 Ringing');
        const cancel = await phone.next();
        assert.match(cancel.startLine, /^CANCEL sip:agent-102@127\.0\.0\.99:5061;transport=tls SIP\/2\.0$/);
        const cancelVia = cancel.header('Via') ?? cancel.header('v');
        assert.equal(cancelVia, invite.header('Via') ?? invite.header('v'), 'the CANCEL carries the INVITE\'s top Via (same derived branch), so the phone matches it');
        phone.answer(cancel, '200 OK');
        phone.answer(invite, '487 Request Terminated');
        const ack = await phone.next();
        assert.match(ack.startLine, /^ACK /);
        const result = await caller;
        assert.equal(result.code, 0, `caller: sipp exited ${result.code}\n${result.stderr.slice(-1500)}`);
      } finally {
        phone.close();
      }
    });

    test('once the phone\'s connection is gone, the first replica answers 430 Flow Failed and the caller gets 480 at once', async () => {
      const phone = await TlsPhone.connect(worker.running.transport.tlsPort, certificate.cert);
      // A push binding outlives its connection (closed-flow-bindings.test.ts); these workers have no
      // push service, so it is rung through its flow like any other.
      const registered = await phone.register({ domain: kampot, user: agent102.username, password: agent102.password, contact: '<sip:agent-102@127.0.0.99:5061;transport=tls;pn-provider=apns;pn-prid=00fc13adff78>', expires: 300 });
      assert.match(registered.startLine, /^SIP\/2\.0 200 /);
      phone.close();
      await until(() => worker.running.transport.tcpConnectionCount === 0, 'the worker saw the connection close');
      const failedBefore = await worker.metric('switchyard_flow_relay_messages_total', { direction: 'to-phone', outcome: 'flow-failed' });
      await refusedAtOnce(relaying);
      // The INVITE found the flow gone (and so did the ACK of the 430).
      assert.ok(await worker.metric('switchyard_flow_relay_messages_total', { direction: 'to-phone', outcome: 'flow-failed' }) >= failedBefore + 1);
      await worker.running.registrar?.store.update({ carrier: 'mekong', domain: kampot, user: agent102.username }, { callId: 'cleanup', cseq: 1, removeAll: true, changes: [], maxBindings: 10 });
    });
  });
});
