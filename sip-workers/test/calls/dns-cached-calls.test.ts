// The worker keeps what DNS told it about a callee's domain (sip/dns-cache.ts), against a real DNS
// server on 127.0.0.1: calls within the answer's lifetime ask nothing, the next call after it has
// expired asks again and follows a changed record, and when DNS fails the last answer keeps calls
// flowing. A lifetime of 1.5 s here (30 s by default). SIPp plays the caller and the servers.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { account, carrier, carrierRef, inboundTrunk, phoneNumber } from '../../../operator/test/builders.ts';
import { startDnsServer } from '../support/dns-server.ts';
import type { DnsServer } from '../support/dns-server.ts';
import { compileRoutingTexts } from '../support/routing-fixture.ts';
import { calleeAnswering, callerAnswered } from '../support/scenarios.ts';
import { freeUdpPort, runSipp, sippMissing, startSippServer } from '../support/sipp.ts';
import type { SippResult } from '../support/sipp.ts';
import { startWebhookServer, twiml } from '../support/webhook-server.ts';
import type { WebhookServer } from '../support/webhook-server.ts';
import { startTestWorker } from '../support/worker-harness.ts';
import type { TestWorker } from '../support/worker-harness.ts';

const ok = (result: SippResult, what: string) => assert.equal(result.code, 0, `${what}: sipp exited ${result.code}\n${result.stderr.slice(-1500)}\n${result.stdout.slice(-1500)}`);
const pharmacy = '+85523900200';
const cacheMs = 1500;

describe('DNS answers kept between calls', { skip: sippMissing, timeout: 60_000 }, () => {
  let dns: DnsServer;
  let webhook: WebhookServer;
  let worker: TestWorker;

  before(async () => {
    dns = await startDnsServer();
    webhook = await startWebhookServer();
    const routing = compileRoutingTexts({
      carriers: [carrier('mekong', { displayName: 'Mekong', country: 'KH', sipDomainBase: 'sip.test' })],
      accounts: [account('pharmacy', { ...carrierRef(), displayName: 'Pharmacy', voiceURL: `${webhook.base}/voice` })],
      inboundTrunks: [inboundTrunk('sbc', { ...carrierRef(), sourceIPs: ['127.0.0.1'] })],
      phoneNumbers: [phoneNumber('pharmacy-main', { ...carrierRef(), number: pharmacy, accountRef: { name: 'pharmacy' } })],
    }, 'mekong');
    worker = await startTestWorker(routing, { dnsServers: [dns.server], dnsCacheMs: cacheMs });
    webhook.route('/status', (_hit, response) => void response.writeHead(204).end());
  });
  after(async () => {
    await worker.close();
    await webhook.close();
    await dns.close();
  });

  const remote = () => `127.0.0.1:${worker.port}`;
  const call = async (what: string) => ok(await runSipp({ scenario: callerAnswered({ to: pharmacy }), remote: remote(), calls: 1 }), what);
  const asked = (name: string) => dns.questions.filter((question) => question.endsWith(` ${name}`)).length;

  test('a second call within the lifetime asks DNS nothing; after it, DNS is asked again and a moved server is followed', async () => {
    const [before, moved] = [await freeUdpPort(), await freeUdpPort()];
    dns.set('_sip._udp.clinic.test', [{ type: 'SRV', priority: 10, weight: 10, port: before, target: 'pbx.clinic.test' }]);
    dns.set('clinic.test', []);
    dns.set('pbx.clinic.test', [{ type: 'A', address: '127.0.0.1' }]);
    webhook.route('/voice', twiml('<Dial timeout="10"><Sip>sip:front-desk@clinic.test</Sip></Dial>'));
    const first = await startSippServer({ scenario: calleeAnswering(), localPort: before, calls: 2 });
    const second = await startSippServer({ scenario: calleeAnswering(), localPort: moved, calls: 1 });
    try {
      const started = performance.now();
      await call('first call, located by DNS');
      const questions = dns.questions.length;
      dns.set('_sip._udp.clinic.test', [{ type: 'SRV', priority: 10, weight: 10, port: moved, target: 'pbx.clinic.test' }]);
      await call('second call, from the kept answers');
      assert.ok(performance.now() - started < cacheMs, 'both calls within the lifetime (else the test proves nothing)');
      assert.equal(dns.questions.length, questions, 'the second call asked DNS nothing');
      ok(await first.exited, 'the server DNS first named took both calls');
      assert.equal(asked('_sip._udp.clinic.test'), 1);
      await sleep(cacheMs + 100);
      await call('third call, after the lifetime');
      ok(await second.exited, 'the server the changed SRV record names took the third call');
      assert.equal(asked('_sip._udp.clinic.test'), 2);
    } finally {
      await first.stop();
      await second.stop();
    }
    assert.ok((await worker.metric('switchyard_dns_answers_total', { question: 'srv', source: 'cached' })) >= 1);
  });

  test('DNS failing (SERVFAIL) once the answers have expired: the calls still reach the server, and DNS is not asked again for each call', async () => {
    const port = await freeUdpPort();
    dns.set('_sip._udp.dental.test', [{ type: 'SRV', priority: 10, weight: 10, port, target: 'pbx.dental.test' }]);
    dns.set('dental.test', []);
    dns.set('pbx.dental.test', [{ type: 'A', address: '127.0.0.1' }]);
    webhook.route('/voice', twiml('<Dial timeout="10"><Sip>sip:front-desk@dental.test</Sip></Dial>'));
    const pbx = await startSippServer({ scenario: calleeAnswering(), localPort: port, calls: 3 });
    try {
      await call('first call, located by DNS');
      for (const name of ['dental.test', '_sip._udp.dental.test', 'pbx.dental.test']) dns.fail(name);
      await sleep(cacheMs + 100);
      const questions = dns.questions.length;
      await call('second call: DNS failed, the expired answers served');
      assert.ok(dns.questions.length > questions, 'DNS was asked, and failed');
      const afterFailure = dns.questions.length;
      await call('third call');
      assert.equal(dns.questions.length, afterFailure, 'not asked again so soon after failing');
      ok(await pbx.exited, 'the PBX took all three calls');
    } finally {
      await pbx.stop();
    }
    for (const question of ['naptr', 'srv', 'addresses']) {
      assert.ok((await worker.metric('switchyard_dns_answers_total', { question, source: 'stale' })) >= 2, `${question}: stale answers served`);
    }
  });
});
