// A phone's TLS connection to the worker is the only way to it (RFC 5626's flow). When that
// connection closes, the bindings registered over it leave the shared store at once, so no
// replica lists them and a phone that keeps reconnecting is not refused for too many bindings;
// a push binding stays (a suspended app's connection closes by design: push is how it is woken),
// and so does a binding that already moved to the phone's new connection.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { redisMissing, startRedisServer } from '../support/redis-server.ts';
import { agent102, kampot, registrarRouting } from '../support/registrar-routing.ts';
import { startRegistrarWorker } from '../support/registrar-worker.ts';
import type { RegistrarWorker, RegistrarWorkerOptions } from '../support/registrar-worker.ts';
import { selfSignedCertificate } from '../support/tls-certificate.ts';
import type { TestCertificate } from '../support/tls-certificate.ts';
import { TlsPhone } from '../support/tls-phone.ts';
import { eventually } from '../../../testing/operator-process.ts';

const maxBindingsPerUser = 2;

/** A registrar worker taking TLS, over its own Redis and certificate; `close` removes all three. */
async function tlsRegistrarWorker(options: RegistrarWorkerOptions): Promise<{ worker: RegistrarWorker; certificate: TestCertificate; close: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-tls-registrar-'));
  const certificate = selfSignedCertificate(dir, 'sip');
  const redis = await startRedisServer();
  const worker = await startRegistrarWorker(registrarRouting('http://127.0.0.1:9/unused'), redis.url, {
    ...options,
    tls: { port: 0, certFile: certificate.certFile, keyFile: certificate.keyFile, caFile: certificate.certFile },
  });
  return {
    worker,
    certificate,
    close: async () => {
      await worker.close();
      await redis.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describe('bindings of a closed TLS flow', { skip: redisMissing, timeout: 60_000 }, () => {
  let certificate: TestCertificate;
  let worker: RegistrarWorker;
  let close: () => Promise<void>;
  const contacts = () => worker.bindings(kampot, agent102.username).then((bindings) => bindings.map((binding) => binding.uri).sort());

  async function registered(contact: string): Promise<TlsPhone> {
    const phone = await TlsPhone.connect(worker.running.transport.tlsPort, certificate.cert);
    const answer = await phone.register({ domain: kampot, user: agent102.username, password: agent102.password, contact, expires: 300 });
    assert.match(answer.startLine, /^SIP\/2\.0 200 /, `REGISTER of ${contact}: ${answer.startLine}`);
    return phone;
  }

  before(async () => {
    ({ worker, certificate, close } = await tlsRegistrarWorker({ maxBindingsPerUser }));
  });
  after(() => close());

  test('leave the store when the connection closes; a push binding over a closed connection stays', async () => {
    const desk = await registered('<sip:agent-102@127.0.0.99:5061;transport=tls>');
    const app = await registered('<sip:agent-102@127.0.0.98:5061;transport=tls;pn-provider=apns;pn-prid=00fc13adff78;pn-param=ABCD1234.com.example.voip>');
    assert.equal((await contacts()).length, 2);
    const removedBefore = await worker.metric('switchyard_registrar_closed_flow_bindings_removed_total');

    desk.close();
    await eventually('the desk phone\'s binding left the store', async () => (await contacts()).length === 1, 3000, 20);
    app.close();
    await eventually('the worker saw both connections close', () => worker.running.transport.tcpConnectionCount === 0, 3000, 20);
    await eventually('one binding counted as removed', async () => await worker.metric('switchyard_registrar_closed_flow_bindings_removed_total') === removedBefore + 1, 3000, 20);
    assert.deepEqual(await contacts(), ['sip:agent-102@127.0.0.98:5061;transport=tls;pn-provider=apns;pn-prid=00fc13adff78;pn-param=ABCD1234.com.example.voip']);
    await worker.running.registrar?.store.update({ carrier: 'mekong', domain: kampot, user: agent102.username }, { callId: 'cleanup', cseq: 1, removeAll: true, changes: [], maxBindings: 10 });
  });

  test('a phone that reconnects from a new port with a new Contact each time is never refused for too many registrations', async () => {
    for (let reconnect = 0; reconnect < maxBindingsPerUser + 2; reconnect++) {
      // Softphones put their connection's local port in the Contact: a new connection, a new Contact.
      const phone = await registered(`<sip:agent-102@127.0.0.99:${41000 + reconnect};transport=tls>`);
      assert.deepEqual(await contacts(), [`sip:agent-102@127.0.0.99:${41000 + reconnect};transport=tls`]);
      phone.close();
      await eventually(`the binding of connection ${reconnect + 1} left the store`, async () => (await contacts()).length === 0, 3000, 20);
    }
  });

  test('a binding that moved to the phone\'s new connection (same instance and reg-id) stays when the old one closes', async () => {
    const contact = `<sip:agent-102@127.0.0.99:5061;transport=tls>;+sip.instance="<urn:uuid:${randomUUID()}>";reg-id=1`;
    const first = await registered(contact);
    const second = await registered(contact);
    const [moved] = await worker.bindings(kampot, agent102.username);
    assert.equal(moved?.flow.port, second.localPort, 'the binding now names the second connection');

    first.close();
    await eventually('the worker saw the first connection close', () => worker.running.transport.tcpConnectionCount === 1, 3000, 20);
    // The removal, had it matched, is one Redis script: give it the time of several.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const [kept] = await worker.bindings(kampot, agent102.username);
    assert.equal(kept?.flow.port, second.localPort);

    second.close();
    await eventually('the binding left with the second connection', async () => (await contacts()).length === 0, 3000, 20);
  });
});

describe('a registered phone\'s silent TLS connection', { skip: redisMissing, timeout: 60_000 }, () => {
  let certificate: TestCertificate;
  let worker: RegistrarWorker;
  let close: () => Promise<void>;
  const idleTimeoutMs = 300;

  before(async () => {
    ({ worker, certificate, close } = await tlsRegistrarWorker({ tcpIdleTimeoutMs: idleTimeoutMs, expiry: { minSeconds: 1 } }));
  });
  after(() => close());

  test('stays open as long as its binding (and as long again, for a late re-REGISTER), where an unregistered one closes when idle', async () => {
    const phone = await TlsPhone.connect(worker.running.transport.tlsPort, certificate.cert);
    const answer = await phone.register({ domain: kampot, user: agent102.username, password: agent102.password, contact: '<sip:agent-102@127.0.0.99:5061;transport=tls>', expires: 2 });
    assert.match(answer.startLine, /^SIP\/2\.0 200 /);
    const registeredAt = performance.now();
    const silent = await TlsPhone.connect(worker.running.transport.tlsPort, certificate.cert);
    try {
      await eventually('the unregistered connection closed when idle', () => worker.running.transport.tcpConnectionCount === 1, 3000, 20);
      await new Promise((resolve) => setTimeout(resolve, 4 * idleTimeoutMs));
      assert.equal(worker.running.transport.tcpConnectionCount, 1, 'the registered phone\'s connection is still open');
      assert.equal((await worker.bindings(kampot, agent102.username)).length, 1);
      await eventually('the registered connection closed once its binding and the grace were over', () => worker.running.transport.tcpConnectionCount === 0, 8000, 50);
      const lived = performance.now() - registeredAt;
      assert.ok(lived > 3500 && lived < 6000, `closed ${Math.round(lived)} ms after the 2 s REGISTER (2 s binding + 2 s grace)`);
    } finally {
      phone.close();
      silent.close();
    }
  });
});
