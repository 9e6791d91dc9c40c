// A health-checked trunk whose name DNS resolves to several servers (RFC 3263 SRV records): the
// worker probes each of them. One silent server does not take the trunk down while another
// answers, and calls go to the answering server first, so the silent one costs no call its
// progress timeout. The servers are UDP sockets the test controls; DNS is a real server on
// 127.0.0.1.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { account, carrier, carrierRef, inboundTrunk, outboundTrunk, phoneNumber } from '../../../operator/test/builders.ts';
import { until } from '../sip/transaction-helpers.ts';
import { startDnsServer } from '../support/dns-server.ts';
import type { DnsServer } from '../support/dns-server.ts';
import { compileRoutingTexts } from '../support/routing-fixture.ts';
import { callerExpecting } from '../support/scenarios.ts';
import { freeUdpPort, runSipp, sippMissing } from '../support/sipp.ts';
import { UdpGateway } from '../support/udp-gateway.ts';
import { startWebhookServer, twiml } from '../support/webhook-server.ts';
import type { WebhookServer } from '../support/webhook-server.ts';
import { startTestWorker } from '../support/worker-harness.ts';
import type { TestWorker } from '../support/worker-harness.ts';

const clinic = '+85523900100';

describe('a health-checked trunk with several servers', { skip: sippMissing, timeout: 60_000 }, () => {
  let dns: DnsServer;
  let webhook: WebhookServer;
  let worker: TestWorker;
  /** First by SRV priority, and silent. */
  let primary: UdpGateway;
  /** Second by priority; answers OPTIONS, and refuses INVITEs with 486 so a call shows where it went. */
  let secondary: UdpGateway;

  before(async () => {
    dns = await startDnsServer();
    webhook = await startWebhookServer();
    webhook.route('/status', (_hit, response) => void response.writeHead(204).end());
    webhook.route('/voice', twiml('<Dial timeout="10"><Number>+85512345678</Number></Dial>'));
    primary = await UdpGateway.start(await freeUdpPort());
    secondary = await UdpGateway.start(await freeUdpPort());
    secondary.answers.set('OPTIONS', '200 OK');
    secondary.answers.set('INVITE', '486 Busy Here');
    dns.set('_sip._udp.pool.transit.test', [
      { type: 'SRV', priority: 10, weight: 10, port: primary.port, target: 'sbc1.transit.test' },
      { type: 'SRV', priority: 20, weight: 10, port: secondary.port, target: 'sbc2.transit.test' },
    ]);
    dns.set('pool.transit.test', []);
    dns.set('sbc1.transit.test', [{ type: 'A', address: '127.0.0.1' }]);
    dns.set('sbc2.transit.test', [{ type: 'A', address: '127.0.0.1' }]);
    const routing = compileRoutingTexts({
      carriers: [carrier('mekong', { displayName: 'Mekong', country: 'KH' })],
      accounts: [account('clinic', { ...carrierRef(), displayName: 'Clinic', voiceURL: `${webhook.base}/voice` })],
      inboundTrunks: [inboundTrunk('sbc', { ...carrierRef(), sourceIPs: ['127.0.0.1'] })],
      // No port: its servers are its SRV records.
      outboundTrunks: [outboundTrunk('pool', { ...carrierRef(), host: 'pool.transit.test', routePrefixes: ['855'], healthCheck: { intervalSeconds: 2, failureThreshold: 1 } })],
      phoneNumbers: [phoneNumber('clinic-main', { ...carrierRef(), number: clinic, accountRef: { name: 'clinic' } })],
    }, 'mekong');
    worker = await startTestWorker(routing, { dnsServers: [dns.server], trunkProgressTimeoutMs: 3000 });
  });
  after(async () => {
    await worker?.close();
    await webhook?.close();
    await primary?.close();
    await secondary?.close();
    await dns?.close();
  });

  test('both servers are probed; the silent first one leaves the trunk up, and the call goes to the answering server without trying the silent one', async () => {
    await until(() => primary.transactions('OPTIONS') > 0 && secondary.transactions('OPTIONS') > 0, 'a probe of each server', 5000);
    // A probe round ends when its wait (2 s here, the interval) is over: the silent server is then
    // marked. Rounds start every 2 s, so once two more have started the one counted has ended.
    const probed = primary.transactions('OPTIONS');
    await until(() => primary.transactions('OPTIONS') > probed + 1, 'two more probe rounds', 8000);
    assert.equal(await worker.metric('switchyard_outbound_trunk_up', { trunk: 'pool' }), 1, 'the trunk is up: one of its servers answers');
    const started = performance.now();
    const caller = await runSipp({ scenario: callerExpecting(486, { to: clinic }), remote: `127.0.0.1:${worker.port}`, calls: 1 });
    assert.equal(caller.code, 0, `caller: sipp exited ${caller.code}\n${caller.stderr.slice(-1500)}`);
    assert.equal(primary.requests('INVITE'), 0, 'no INVITE went to the silent server');
    assert.equal(secondary.requests('INVITE'), 1);
    assert.ok(performance.now() - started < 3000, 'the call did not wait out a progress timeout');
    assert.equal(await worker.metric('switchyard_sip_server_failovers_total', { reason: 'timeout' }), 0);
  });

  test('once the first server answers its probe, calls go to it first again', async () => {
    primary.answers.set('OPTIONS', '200 OK');
    primary.answers.set('INVITE', '486 Busy Here');
    // The round under way may have started before the answers did: wait for the one after it.
    const probed = primary.transactions('OPTIONS');
    await until(() => primary.transactions('OPTIONS') > probed + 1, 'a probe answered', 8000);
    const caller = await runSipp({ scenario: callerExpecting(486, { to: clinic }), remote: `127.0.0.1:${worker.port}`, calls: 1 });
    assert.equal(caller.code, 0, `caller: sipp exited ${caller.code}\n${caller.stderr.slice(-1500)}`);
    assert.equal(primary.requests('INVITE'), 1, 'the first server by priority got the call');
    assert.equal(secondary.requests('INVITE'), 1, 'the second got nothing more');
  });
});
