// Callees found through DNS as RFC 3263 asks, against a real DNS server on 127.0.0.1 (the worker
// asks it through node:dns, SWITCHYARD_DNS_SERVERS): a <Sip> URI's domain by NAPTR and SRV, the
// next SRV server when the first answers 503 (§4.3), a trunk host name's second address when the
// first is silent, and a domain nobody can find. SIPp plays the caller and the servers.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { account, carrier, carrierRef, inboundTrunk, outboundTrunk, phoneNumber } from '../../../operator/test/builders.ts';
import { startDnsServer } from '../support/dns-server.ts';
import type { DnsServer } from '../support/dns-server.ts';
import { compileRoutingTexts } from '../support/routing-fixture.ts';
import { calleeAnswering, calleeAnsweringOverTls, calleeRefusing, callerAnswered, callerExpecting } from '../support/scenarios.ts';
import { freeUdpPort, runSipp, sippMissing, startSippServer } from '../support/sipp.ts';
import type { SippResult } from '../support/sipp.ts';
import { tlsToTcp } from '../support/tls-bridge.ts';
import type { TlsBridge } from '../support/tls-bridge.ts';
import { selfSignedCertificate } from '../support/tls-certificate.ts';
import type { TestCertificate } from '../support/tls-certificate.ts';
import { startWebhookServer, twiml } from '../support/webhook-server.ts';
import type { WebhookServer } from '../support/webhook-server.ts';
import { startTestWorker } from '../support/worker-harness.ts';
import type { TestWorker } from '../support/worker-harness.ts';

const ok = (result: SippResult, what: string) => assert.equal(result.code, 0, `${what}: sipp exited ${result.code}\n${result.stderr.slice(-1500)}\n${result.stdout.slice(-1500)}`);
const pharmacy = '+85523900200';
const overseas = '+6590000001';
const bangkok = '+6620000001';

describe('callees located through DNS (RFC 3263)', { skip: sippMissing, timeout: 60_000 }, () => {
  let dns: DnsServer;
  let webhook: WebhookServer;
  let worker: TestWorker;
  let trunkPort: number;
  let dir: string;
  /** Names the <Sip> URI's domain only, as RFC 5922 asks of the server DNS leads to. */
  let domainCertificate: TestCertificate;
  /** Names the SRV target only. */
  let targetCertificate: TestCertificate;
  const bridges: TlsBridge[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchyard-dns-calls-'));
    domainCertificate = selfSignedCertificate(dir, 'secure-pharmacy', 'DNS:secure.pharmacy.test');
    targetCertificate = selfSignedCertificate(dir, 'sbc-pharmacy', 'DNS:sbc.pharmacy.test');
    // Both trusted, so only the name decides.
    const trusted = join(dir, 'trusted.pem');
    await writeFile(trusted, domainCertificate.cert + targetCertificate.cert);
    dns = await startDnsServer();
    webhook = await startWebhookServer();
    trunkPort = await freeUdpPort();
    const routing = compileRoutingTexts({
      carriers: [carrier('mekong', { displayName: 'Mekong', country: 'KH', sipDomainBase: 'sip.test' })],
      accounts: [account('pharmacy', { ...carrierRef(), displayName: 'Pharmacy', voiceURL: `${webhook.base}/voice` })],
      inboundTrunks: [inboundTrunk('sbc', { ...carrierRef(), sourceIPs: ['127.0.0.1'] })],
      // Its host is a name with two addresses; the first reaches no one.
      // No port: its servers are its SRV records.
      outboundTrunks: [
        outboundTrunk('sg-transit', { ...carrierRef(), host: 'gw.transit.test', port: trunkPort, routePrefixes: ['65'] }),
        outboundTrunk('th-transit', { ...carrierRef(), host: 'pool.transit.test', routePrefixes: ['66'] }),
      ],
      phoneNumbers: [phoneNumber('pharmacy-main', { ...carrierRef(), number: pharmacy, accountRef: { name: 'pharmacy' } })],
    }, 'mekong');
    worker = await startTestWorker(routing, {
      dnsServers: [dns.server],
      // Tests here change a name's records between calls; keeping answers is dns-cached-calls'.
      dnsCacheMs: 0,
      trunkProgressTimeoutMs: 1000,
      tls: { port: 0, certFile: domainCertificate.certFile, keyFile: domainCertificate.keyFile, caFile: trusted },
    });
    webhook.route('/status', (_hit, response) => void response.writeHead(204).end());
  });
  after(async () => {
    for (const bridge of bridges) await bridge.close();
    await worker.close();
    await webhook.close();
    await dns.close();
    await rm(dir, { recursive: true, force: true });
  });

  const remote = () => `127.0.0.1:${worker.port}`;
  const dialSip = (uri: string) => webhook.route('/voice', twiml(`<Dial timeout="10"><Sip>${uri}</Sip></Dial>`));

  test('a <Sip> URI\'s domain: its NAPTR names SIP over TCP, the SRV record the server, and the call is answered there', async () => {
    const port = await freeUdpPort();
    dns.set('pbx.pharmacy.test', [{ type: 'NAPTR', order: 10, preference: 10, flags: 's', service: 'SIP+D2T', regexp: '', replacement: '_sip._tcp.sbc-pool.pharmacy.test' }]);
    // Named by the NAPTR alone: no SRV name built from the domain leads here.
    dns.set('_sip._tcp.sbc-pool.pharmacy.test', [{ type: 'SRV', priority: 10, weight: 10, port, target: 'sbc1.pharmacy.test' }]);
    dns.set('sbc1.pharmacy.test', [{ type: 'A', address: '127.0.0.1' }]);
    const pbx = await startSippServer({ scenario: calleeAnswering(), localPort: port, transport: 'tcp', calls: 1 });
    try {
      dialSip('sip:front-desk@pbx.pharmacy.test');
      ok(await runSipp({ scenario: callerAnswered({ to: pharmacy }), remote: remote(), calls: 1 }), 'caller answered by the PBX');
      ok(await pbx.exited, 'the PBX took the call over TCP');
    } finally {
      await pbx.stop();
    }
    for (const question of ['NAPTR pbx.pharmacy.test', 'SRV _sip._tcp.sbc-pool.pharmacy.test', 'A sbc1.pharmacy.test']) assert.ok(dns.questions.includes(question), `asked ${question}`);
  });

  test('the first SRV server answers 503: the call goes to the next one by priority, which answers', async () => {
    const [first, second] = [await freeUdpPort(), await freeUdpPort()];
    dns.set('_sip._udp.office.pharmacy.test', [
      { type: 'SRV', priority: 20, weight: 10, port: second, target: 'backup.pharmacy.test' },
      { type: 'SRV', priority: 10, weight: 10, port: first, target: 'main.pharmacy.test' },
    ]);
    dns.set('office.pharmacy.test', []);
    dns.set('main.pharmacy.test', [{ type: 'A', address: '127.0.0.1' }]);
    dns.set('backup.pharmacy.test', [{ type: 'A', address: '127.0.0.1' }]);
    const main = await startSippServer({ scenario: calleeRefusing(503, 'Service Unavailable'), localPort: first, calls: 1 });
    const backup = await startSippServer({ scenario: calleeAnswering(), localPort: second, calls: 1 });
    try {
      dialSip('sip:front-desk@office.pharmacy.test');
      ok(await runSipp({ scenario: callerAnswered({ to: pharmacy }), remote: remote(), calls: 1 }), 'caller answered by the backup server');
      ok(await main.exited, 'the main server refused with 503 (and got its ACK)');
      ok(await backup.exited, 'the backup server answered');
    } finally {
      await main.stop();
      await backup.stop();
    }
  });

  test('a trunk host name with two addresses: the first is silent, so the second is tried and answers; the next call goes to the second at once', async () => {
    dns.set('gw.transit.test', [{ type: 'A', address: '127.0.0.2' }, { type: 'A', address: '127.0.0.3' }]);
    // The first address takes INVITEs and never answers, as a crashed SBC behind a live address would.
    const silent = createSocket('udp4');
    const invitesHeard = new Set<string>();
    silent.on('message', (data) => {
      const text = data.toString('latin1');
      if (text.startsWith('INVITE ')) invitesHeard.add(/\r\n(?:Call-ID|i)\s*:\s*([^\r]+)/i.exec(text)?.[1] ?? '');
    });
    await new Promise<void>((resolve) => silent.bind(trunkPort, '127.0.0.2', resolve));
    const gateway = await startSippServer({ scenario: calleeAnswering(), localPort: trunkPort, localIp: '127.0.0.3', calls: 2 });
    try {
      webhook.route('/voice', twiml(`<Dial timeout="10"><Number>${overseas}</Number></Dial>`));
      ok(await runSipp({ scenario: callerAnswered({ to: pharmacy }), remote: remote(), calls: 1 }), 'caller answered through the trunk\'s second address');
      assert.equal(invitesHeard.size, 1, 'the silent address got the first call\'s INVITE');
      assert.equal(await worker.metric('switchyard_sip_server_failovers_total', { reason: 'timeout' }), 1);
      ok(await runSipp({ scenario: callerAnswered({ to: pharmacy }), remote: remote(), calls: 1 }), 'the next caller answered too');
      ok(await gateway.exited, 'the gateway at the second address answered both calls');
      assert.equal(invitesHeard.size, 1, 'the next call went to the second address first: the silent one is tried last for a while');
    } finally {
      await gateway.stop();
      silent.close();
    }
    assert.equal(await worker.metric('switchyard_outbound_trunk_attempts_total', { trunk: 'sg-transit', outcome: 'answered' }), 2, 'one attempt of the trunk per call, answered');
  });

  test('a trunk without a port: its SRV record names the server and port the call goes to', async () => {
    const port = await freeUdpPort();
    dns.set('_sip._udp.pool.transit.test', [{ type: 'SRV', priority: 10, weight: 10, port, target: 'gw1.transit.test' }]);
    dns.set('gw1.transit.test', [{ type: 'A', address: '127.0.0.1' }]);
    const gateway = await startSippServer({ scenario: calleeAnswering(), localPort: port, calls: 1 });
    try {
      webhook.route('/voice', twiml(`<Dial timeout="10"><Number>${bangkok}</Number></Dial>`));
      ok(await runSipp({ scenario: callerAnswered({ to: pharmacy }), remote: remote(), calls: 1 }), 'caller answered through the trunk\'s SRV server');
      ok(await gateway.exited, 'the SRV server answered');
    } finally {
      await gateway.stop();
    }
    assert.ok(dns.questions.includes('SRV _sip._udp.pool.transit.test'), 'the trunk\'s SRV records were asked for');
  });

  test('a DNS server that does not answer: the caller gets 503 within seconds, not after SIP\'s 32 s', async () => {
    dns.ignore('silent.pharmacy.test');
    dialSip('sip:front-desk@silent.pharmacy.test');
    const started = performance.now();
    ok(await runSipp({ scenario: callerExpecting(503, { to: pharmacy }), remote: remote(), calls: 1 }), 'caller refused with 503');
    const tookMs = performance.now() - started;
    assert.ok(tookMs < 9000, `refused after ${tookMs.toFixed(0)} ms`);
    assert.ok(dns.questions.includes('NAPTR silent.pharmacy.test'), 'the question was asked');
  });

  test('a domain DNS knows nothing of: the caller gets 503 at once, and no INVITE goes anywhere', async () => {
    dialSip('sip:front-desk@nowhere.pharmacy.test');
    const started = performance.now();
    ok(await runSipp({ scenario: callerExpecting(503, { to: pharmacy }), remote: remote(), calls: 1 }), 'caller refused with 503');
    assert.ok(performance.now() - started < 3000, 'refused without waiting out a timeout');
    assert.ok(dns.questions.includes('A nowhere.pharmacy.test'), 'the name\'s addresses were asked for last');
  });

  /** secure.pharmacy.test's _sips._tcp SRV record leads to sbc.pharmacy.test, a TLS server holding `certificate` in front of a SIPp callee. */
  async function secureServer(certificate: TestCertificate, scenario: (pipePort: number) => string): Promise<Awaited<ReturnType<typeof startSippServer>>> {
    const calleePort = await freeUdpPort();
    const bridge = await tlsToTcp(calleePort, certificate);
    bridges.push(bridge);
    dns.set('_sips._tcp.secure.pharmacy.test', [{ type: 'SRV', priority: 10, weight: 10, port: bridge.port, target: 'sbc.pharmacy.test' }]);
    dns.set('sbc.pharmacy.test', [{ type: 'A', address: '127.0.0.1' }]);
    return startSippServer({ scenario: scenario(bridge.port), localPort: calleePort, transport: 'tcp', calls: 1 });
  }

  test('over TLS, the server DNS leads to is checked against the URI\'s domain: a certificate naming it is accepted', async () => {
    const callee = await secureServer(domainCertificate, calleeAnsweringOverTls);
    try {
      dialSip('sip:front-desk@secure.pharmacy.test;transport=tls');
      ok(await runSipp({ scenario: callerAnswered({ to: pharmacy }), remote: remote(), calls: 1 }), 'caller answered over TLS');
      ok(await callee.exited, 'the callee took the call over TLS');
    } finally {
      await callee.stop();
    }
  });

  test('over TLS, a certificate naming only the SRV target is refused at the handshake (RFC 5922 §4): the caller gets 503', async () => {
    const callee = await secureServer(targetCertificate, calleeAnsweringOverTls);
    try {
      dialSip('sip:front-desk@secure.pharmacy.test;transport=tls');
      ok(await runSipp({ scenario: callerExpecting(503, { to: pharmacy }), remote: remote(), calls: 1 }), 'caller refused with 503');
    } finally {
      await callee.stop();
    }
  });
});
