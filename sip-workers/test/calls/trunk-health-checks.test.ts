// Outbound trunks with a health check: the worker probes them with OPTIONS, and a trunk that stops
// answering is tried only after the trunks that are up, so calls go straight to the backup instead
// of waiting out the dead trunk. The probed gateway is a UDP socket the test controls (silent, then
// answering); the backup is a SIPp callee.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { account, carrier, carrierRef, inboundTrunk, outboundTrunk, phoneNumber } from '../../../operator/test/builders.ts';
import { compileRoutingTexts } from '../support/routing-fixture.ts';
import { calleeAnswering, callerAnswered } from '../support/scenarios.ts';
import { freeUdpPort, runSipp, sippMissing, startSippServer } from '../support/sipp.ts';
import { startWebhookServer, twiml } from '../support/webhook-server.ts';
import type { WebhookServer } from '../support/webhook-server.ts';
import { startTestWorker } from '../support/worker-harness.ts';
import type { TestWorker } from '../support/worker-harness.ts';
import { until } from '../sip/transaction-helpers.ts';
import { UdpGateway } from '../support/udp-gateway.ts';

/** Polls an async probe until it holds. */
async function eventually(probe: () => Promise<boolean>, what: string, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await probe())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const clinic = '+85523900100';

describe('outbound trunks with a health check', { skip: sippMissing, timeout: 60_000 }, () => {
  let webhook: WebhookServer;
  let worker: TestWorker;
  let gateway: UdpGateway;
  let backupPort: number;

  before(async () => {
    webhook = await startWebhookServer();
    webhook.route('/status', (_hit, response) => void response.writeHead(204).end());
    webhook.route('/voice', twiml('<Dial timeout="10"><Number>+85512345678</Number></Dial>'));
    gateway = await UdpGateway.start(await freeUdpPort());
    // An INVITE gets 503, so the call fails over to the backup at once.
    gateway.answers.set('INVITE', '503 Service Unavailable');
    backupPort = await freeUdpPort();
    worker = await startTestWorker(routing(true));
  });
  after(async () => {
    await worker.close();
    await webhook.close();
    await gateway.close();
  });

  function routing(probed: boolean) {
    return compileRoutingTexts({
      carriers: [carrier('mekong', { displayName: 'Mekong', country: 'KH' })],
      accounts: [account('clinic', { ...carrierRef(), displayName: 'Clinic', voiceURL: `${webhook.base}/voice`, statusCallbackURL: `${webhook.base}/status` })],
      inboundTrunks: [inboundTrunk('sbc', { ...carrierRef(), sourceIPs: ['127.0.0.1'] })],
      outboundTrunks: [
        outboundTrunk('gateway', { ...carrierRef(), host: '127.0.0.1', port: gateway.port, routePrefixes: ['855'], priority: 10, ...(probed ? { healthCheck: { intervalSeconds: 2, failureThreshold: 1 } } : {}) }),
        outboundTrunk('backup', { ...carrierRef(), host: '127.0.0.1', port: backupPort, routePrefixes: ['855'], priority: 20 }),
      ],
      phoneNumbers: [phoneNumber('clinic-main', { ...carrierRef(), number: clinic, accountRef: { name: 'clinic' } })],
      sipDomains: [],
      secrets: new Map(),
    }, 'mekong');
  }

  async function callThroughBackup(): Promise<void> {
    const backup = await startSippServer({ scenario: calleeAnswering(), localPort: backupPort, calls: 1 });
    try {
      const caller = await runSipp({ scenario: callerAnswered({ to: clinic }), remote: `127.0.0.1:${worker.port}`, calls: 1 });
      assert.equal(caller.code, 0, `caller: sipp exited ${caller.code}\n${caller.stderr.slice(-1500)}`);
      assert.equal((await backup.exited).code, 0, 'the backup answered');
    } finally {
      await backup.stop();
    }
  }

  test('a trunk that leaves its OPTIONS unanswered is marked down, and calls go straight to the backup', async () => {
    await until(() => gateway.requests('OPTIONS') > 0, 'the first probe', 5000);
    const options = gateway.received.find((text) => text.startsWith('OPTIONS '));
    assert.match(options ?? '', new RegExp(`^OPTIONS sip:127\\.0\\.0\\.1:${gateway.port} SIP/2\\.0\r\n`));
    await eventually(async () => (await worker.metric('switchyard_outbound_trunk_up', { trunk: 'gateway' })) === 0, 'the gateway marked down', 10_000);
    await callThroughBackup();
    assert.equal(gateway.requests('INVITE'), 0, 'no INVITE was sent to the trunk that is down');
  });

  test('once it answers again it is up, and tried first again', async () => {
    gateway.answers.set('OPTIONS', '200 OK');
    await eventually(async () => (await worker.metric('switchyard_outbound_trunk_up', { trunk: 'gateway' })) === 1, 'the gateway up again', 10_000);
    await callThroughBackup();
    assert.equal(gateway.requests('INVITE'), 1, 'the gateway got the INVITE first (and refused it with 503)');
  });

  test('a probe still unanswered when its trunk stops being probed leaves no state or metric behind', async () => {
    gateway.answers.delete('OPTIONS');
    const sent = gateway.requests('OPTIONS');
    await until(() => gateway.requests('OPTIONS') > sent, 'the next probe', 5000);
    await worker.setRouting(routing(false));
    await eventually(async () => !(await gatewaySampled()), 'the probe dropped', 5000);
    // The unanswered probe times out 2 s after it was sent; nothing must come back with it.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.equal(await gatewaySampled(), false, 'no switchyard_outbound_trunk_up sample for a trunk no longer probed');
    assert.deepEqual(worker.running.trunkProbes.down(), []);
  });

  /** Whether /metrics has a switchyard_outbound_trunk_up sample for the gateway (its value aside). */
  async function gatewaySampled(): Promise<boolean> {
    return (await worker.metrics.registry.getSingleMetricAsString('switchyard_outbound_trunk_up')).includes('trunk="gateway"');
  }
});
