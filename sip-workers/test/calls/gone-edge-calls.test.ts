// A phone behind NAT registered over UDP through a replica that is gone since (a rolling update, a
// crash): its binding still names that replica until the phone registers again, up to a
// keep-alive interval later. A call to it through another replica must not be relayed into the
// void and wait out the relay's timeout: every replica with a registrar keeps a presence key in
// Redis while it runs, and a binding whose replica has none is skipped at once.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { redisMissing, startRedisServer } from '../support/redis-server.ts';
import type { RedisServer } from '../support/redis-server.ts';
import { agent102, kampot, pepperNumber, registrarRouting } from '../support/registrar-routing.ts';
import { startRegistrarWorker } from '../support/registrar-worker.ts';
import type { RegistrarWorker } from '../support/registrar-worker.ts';
import { callerExpecting } from '../support/scenarios.ts';
import { runSipp, sippMissing } from '../support/sipp.ts';
import { UdpPhone } from '../support/udp-phone.ts';
import { startWebhookServer, twiml } from '../support/webhook-server.ts';
import type { WebhookServer } from '../support/webhook-server.ts';

describe('a phone registered through a replica that is gone', { skip: sippMissing || redisMissing, timeout: 60_000 }, () => {
  let redis: RedisServer;
  let webhook: WebhookServer;
  let calling: RegistrarWorker;
  const flowTokenKey = randomBytes(32);

  before(async () => {
    redis = await startRedisServer();
    webhook = await startWebhookServer();
    calling = await startRegistrarWorker(registrarRouting(webhook.base), redis.url, { flowTokenKey });
    webhook.route('/client', twiml('<Dial timeout="10"><Client>agent-102</Client></Dial>'));
  });
  after(async () => {
    await calling.close();
    await webhook.close();
    await redis.stop();
  });

  test('is not rung through it: the caller gets 480 at once, and the skipped binding is counted', async () => {
    const edge = await startRegistrarWorker(registrarRouting(webhook.base), redis.url, { flowTokenKey });
    const phone = await UdpPhone.open(edge.port);
    try {
      const registered = await phone.register({ domain: kampot, user: agent102.username, password: agent102.password, contact: '<sip:agent-102@127.0.0.99:5062>', expires: 300 });
      assert.match(registered.startLine, /^SIP\/2\.0 200 /);
      const edgeName = edge.running.transport.sentBy;
      await edge.close();
      const [binding] = await calling.bindings(kampot, agent102.username);
      assert.equal(binding?.flow.edge, edgeName, 'the binding outlives its replica (UDP: no connection closed)');

      const skipped = await calling.metric('switchyard_registrar_gone_edge_targets_total');
      const started = performance.now();
      const result = await runSipp({ scenario: callerExpecting(480, { to: pepperNumber }), remote: `127.0.0.1:${calling.port}`, calls: 1 });
      assert.equal(result.code, 0, `caller: sipp exited ${result.code}\n${result.stderr.slice(-1500)}`);
      assert.ok(performance.now() - started < 1500, `480 after ${Math.round(performance.now() - started)} ms: not relayed and timed out`);
      assert.equal(await calling.metric('switchyard_registrar_gone_edge_targets_total'), skipped + 1);
      assert.equal(await phone.next(300).catch(() => undefined), undefined, 'the phone was not rung');
    } finally {
      phone.close();
    }
  });
});
