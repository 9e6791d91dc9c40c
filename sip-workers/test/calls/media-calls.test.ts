// Calls through a worker that anchors media on a real rtpengine (userspace, loopback): SIPp plays
// RTP on both sides, the relay's own counters show it relayed both directions, and it holds no
// session once the call is over, however it ended (BYE, CANCEL, refusal, failover, drain).
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { eventually } from '../../../testing/operator-process.ts';
import type { RoutingTexts } from '../support/routing-fixture.ts';
import { viewOf } from '../support/routing-view-of.ts';
import { calleeRefusing, callerExpecting } from '../support/scenarios.ts';
import { freeUdpPort, runSipp, sippMissing, startSippServer } from '../support/sipp.ts';
import type { SippResult } from '../support/sipp.ts';
import { startWebhookServer, twiml } from '../support/webhook-server.ts';
import type { WebhookServer } from '../support/webhook-server.ts';
import { cancellingAfterEarlyMedia, earlyMediaUntilCancelled, lateOfferCallee, lateOfferCaller, mediaCallee, mediaCalleeRefreshed, mediaCalleeRefusingReoffer, mediaCaller, mediaCallerRefreshing, mediaCallerReofferRefused } from '../media/media-scenarios.ts';
import { startMediaWorker } from '../media/media-worker.ts';
import type { MediaWorker } from '../media/media-worker.ts';
import { writePcmuPcap } from '../media/pcmu-pcap.ts';
import { rtpEndpointPorts, rtpengineMissing, startRtpengine } from '../media/rtpengine-process.ts';
import type { PacketsByTag, Rtpengine } from '../media/rtpengine-process.ts';
import { freeFixturePorts, numbers, trunkCallRouting } from './trunk-call-fixture.ts';

const ok = (result: SippResult, what: string) => assert.equal(result.code, 0, `${what}: sipp exited ${result.code}\n${result.stderr.slice(-1500)}\n${result.stdout.slice(-2500)}`);
const mediaPort = async () => ['-mp', String(await freeUdpPort())];

describe('media anchored on rtpengine', { skip: sippMissing || rtpengineMissing, timeout: 180_000 }, () => {
  let relay: Rtpengine;
  let webhook: WebhookServer;
  let worker: MediaWorker;
  let routing: RoutingTexts;
  let pcap: string;
  let pcapPackets: number;
  let scratch: string;
  const ports = { primary: 0, secondary: 0, digest: 0 };
  const dialPstn = twiml('<Dial timeout="10"><Number>+85597000111</Number></Dial>');
  const remote = () => `127.0.0.1:${worker.port}`;

  /** The Call-ID of the one call the relay holds, once it holds one. */
  async function theOneRelayCall(): Promise<string> {
    const [callId] = await eventually('the relay holds the call', async () => {
      const calls = await relay.calls();
      return calls.length === 1 ? calls : undefined;
    }, 5000, 50);
    assert.ok(callId);
    return callId;
  }

  /** The relay holds nothing: no call listed, no session owned, and the worker's gauge agrees. */
  async function relayIsEmpty(what: string, on: MediaWorker = worker): Promise<void> {
    await eventually(`${what}: relay holds no call`, async () => (await relay.calls()).length === 0 && (await relay.sessions()) === 0, 5000, 100);
    assert.equal(await on.metric('switchyard_media_anchored_calls'), 0, `${what}: the worker counts no anchored call`);
  }

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'switchyard-media-'));
    pcap = join(scratch, 'pcmu-1s.pcap');
    pcapPackets = await writePcmuPcap(pcap, 1);
    relay = await startRtpengine();
    webhook = await startWebhookServer();
    Object.assign(ports, await freeFixturePorts());
    routing = trunkCallRouting(webhook.base, ports);
    worker = await startMediaWorker(routing, relay.relay);
    webhook.route('/status', (_hit, response) => void response.writeHead(204).end());
    webhook.route('/voice', dialPstn);
  });
  after(async () => {
    await worker?.close();
    await webhook?.close();
    await relay?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  test('RTP both ways goes through the relay, which counts it per side, and holds no session after the BYE', async (t: TestContext) => {
    const sentBefore = await worker.metric('switchyard_media_relay_commands_total', { command: 'offer', result: 'ok' });
    const relayedBefore = await relay.relayedPackets();
    const callee = await startSippServer({ scenario: mediaCallee({ relayPorts: relay.portPattern, pcap }), localPort: ports.primary, calls: 1, extraArgs: await mediaPort() });
    const caller = runSipp({ scenario: mediaCaller({ to: numbers.clinic, relayPorts: relay.portPattern, pcap, holdMs: 3000 }), remote: remote(), calls: 1, extraArgs: await mediaPort() });
    // Query before the BYE deletes the call: the counters are the relay's, per ng tag.
    const callId = await theOneRelayCall();
    assert.match(callId, /^CA[0-9a-f]{32}$/, 'the relay call is named after the Call SID');
    const wanted = Math.floor(pcapPackets * 0.9);
    let packets: PacketsByTag = {};
    await eventually(`both sides sent ${wanted}+ packets`, async () => {
      packets = await relay.rtpPackets(callId);
      const counts = Object.values(packets);
      return counts.length === 2 && counts.every((count) => count >= wanted);
    }, 2800, 100);
    t.diagnostic(`relay counted RTP packets per tag: ${JSON.stringify(packets)} (each side played ${pcapPackets})`);
    ok(await caller, 'caller (its 200 named the relay)');
    ok(await callee.exited, 'callee (its INVITE named the relay)');
    await relayIsEmpty('after BYE');
    const relayed = (await relay.relayedPackets()) - relayedBefore;
    t.diagnostic(`relay forwarded ${relayed} packets in all`);
    assert.ok(relayed >= 2 * wanted, `the relay forwarded both sides' packets (${relayed})`);
    assert.equal(await worker.metric('switchyard_media_relay_commands_total', { command: 'offer', result: 'ok' }), sentBefore + 1);
  });

  test('a callee\'s BYE ends the call and its relay session', async () => {
    const callee = await startSippServer({ scenario: mediaCallee({ relayPorts: relay.portPattern }), localPort: ports.primary, calls: 1 });
    ok(await runSipp({ scenario: mediaCaller({ to: numbers.clinic, relayPorts: relay.portPattern, holdMs: 300 }), remote: remote(), calls: 1 }), 'caller');
    ok(await callee.exited, 'callee');
    await relayIsEmpty('after the caller\'s BYE');
  });

  test('early media in a 183 reaches the caller through the relay; CANCEL leaves no session', async () => {
    const callee = await startSippServer({ scenario: earlyMediaUntilCancelled({ relayPorts: relay.portPattern }), localPort: ports.primary, calls: 1 });
    ok(await runSipp({ scenario: cancellingAfterEarlyMedia({ to: numbers.clinic, relayPorts: relay.portPattern }), remote: remote(), calls: 1 }), 'caller (183 named the relay, CANCEL → 487)');
    ok(await callee.exited, 'callee (cancelled)');
    await relayIsEmpty('after CANCEL');
  });

  test('a callee refusing (486) leaves no session and the caller hears busy', async () => {
    const callee = await startSippServer({ scenario: calleeRefusing(486, 'Busy Here'), localPort: ports.primary, calls: 1 });
    ok(await runSipp({ scenario: callerExpecting(486, { to: numbers.clinic }), remote: remote(), calls: 1 }), 'caller');
    ok(await callee.exited, 'callee');
    await relayIsEmpty('after 486');
  });

  test('failover: the failed trunk\'s relay session is deleted before the next trunk gets a fresh offer', async () => {
    const deletes = await worker.metric('switchyard_media_relay_commands_total', { command: 'delete' });
    const offers = await worker.metric('switchyard_media_relay_commands_total', { command: 'offer' });
    const first = await startSippServer({ scenario: calleeRefusing(503, 'Service Unavailable'), localPort: ports.primary, calls: 1 });
    const second = await startSippServer({ scenario: mediaCallee({ relayPorts: relay.portPattern }), localPort: ports.secondary, calls: 1 });
    ok(await runSipp({ scenario: mediaCaller({ to: numbers.clinic, relayPorts: relay.portPattern, holdMs: 300 }), remote: remote(), calls: 1 }), 'caller');
    ok(await first.exited, 'primary trunk (503)');
    ok(await second.exited, 'secondary trunk (answered with the relay in its offer)');
    await relayIsEmpty('after failover and BYE');
    assert.equal(await worker.metric('switchyard_media_relay_commands_total', { command: 'offer' }), offers + 2, 'one offer per attempt');
    assert.equal(await worker.metric('switchyard_media_relay_commands_total', { command: 'delete' }), deletes + 2, 'one delete after the failed attempt, one at the end');
  });

  test('late offer: the callee\'s 2xx offer and the caller\'s ACK answer both go through the relay', async () => {
    const callee = await startSippServer({ scenario: lateOfferCallee({ relayPorts: relay.portPattern }), localPort: ports.primary, calls: 1 });
    ok(await runSipp({ scenario: lateOfferCaller({ to: numbers.clinic, relayPorts: relay.portPattern, holdMs: 300 }), remote: remote(), calls: 1 }), 'caller (the 200\'s offer named the relay)');
    ok(await callee.exited, 'callee (the ACK\'s answer named the relay)');
    await relayIsEmpty('after a late-offer call');
  });

  test('a call placed through the REST API is anchored too: the <Dial> callee gets the party\'s offer from the relay, the party gets the callee\'s answer in our ACK from the relay, and the relay lets go when it ends', async () => {
    const answersBefore = await worker.metric('switchyard_media_relay_commands_total', { command: 'answer', result: 'ok' });
    const callee = await startSippServer({ scenario: mediaCallee({ relayPorts: relay.portPattern }), calls: 1, extraArgs: await mediaPort() });
    // The party is rung through trunk primary: our INVITE offers nothing, its 200 offers, our ACK answers.
    const party = await startSippServer({ scenario: lateOfferCallee({ relayPorts: relay.portPattern }), localPort: ports.primary, calls: 1, extraArgs: await mediaPort() });
    webhook.route('/placed', twiml(`<Dial timeout="10"><Sip>sip:agent@127.0.0.1:${callee.port}</Sip></Dial>`));
    const view = await viewOf(routing);
    const sid = view.account('clinic')?.sid ?? '';
    worker.running.placer.place(view, {
      account: { name: 'clinic', sid, authToken: view.authToken(sid) ?? '' },
      to: '+85597000111', from: numbers.clinic, voice: { url: `${webhook.base}/placed`, method: 'POST' }, timeoutSeconds: 10,
    });
    await theOneRelayCall();
    await eventually('the call is bridged', async () => (await worker.metric('switchyard_media_relay_commands_total', { command: 'answer', result: 'ok' })) > answersBefore, 5000, 50);
    worker.running.worker.hangupAll();
    ok(await party.exited, 'the party (the ACK\'s answer named the relay)');
    ok(await callee.exited, 'the callee (the INVITE\'s offer named the relay)');
    await relayIsEmpty('after a placed call');
  });

  test('a mid-call re-INVITE is offered and answered through the relay, and RTP flows both ways after it', async (t: TestContext) => {
    const offersBefore = await worker.metric('switchyard_media_relay_commands_total', { command: 'offer', result: 'ok' });
    const callee = await startSippServer({ scenario: mediaCalleeRefreshed({ relayPorts: relay.portPattern, pcap }), localPort: ports.primary, calls: 1, extraArgs: await mediaPort() });
    const caller = runSipp({ scenario: mediaCallerRefreshing({ to: numbers.clinic, relayPorts: relay.portPattern, pcap, holdMs: 2500 }), remote: remote(), calls: 1, extraArgs: await mediaPort() });
    const callId = await theOneRelayCall();
    const wanted = Math.floor(pcapPackets * 0.9);
    let packets: PacketsByTag = {};
    await eventually(`both sides sent ${wanted}+ packets after the re-INVITE`, async () => {
      packets = await relay.rtpPackets(callId);
      const counts = Object.values(packets);
      return counts.length === 2 && counts.every((count) => count >= wanted);
    }, 2400, 100);
    t.diagnostic(`relay counted RTP packets per tag: ${JSON.stringify(packets)}`);
    ok(await caller, 'caller (both answers named the relay)');
    ok(await callee.exited, 'callee (both offers named the relay)');
    assert.equal(await worker.metric('switchyard_media_relay_commands_total', { command: 'offer', result: 'ok' }), offersBefore + 2, 'the first offer and the re-offer');
    await relayIsEmpty('after the BYE');
  });

  test('a re-offer the callee refuses sets the relay back: it sends to the caller\'s address from before, not the refused one', async () => {
    const refusedPort = await freeUdpPort();
    const [, callerMediaPort] = await mediaPort();
    const refusals = () => worker.metric('switchyard_mid_call_requests_total', { method: 'INVITE', status: '488' });
    const refusedBefore = await refusals();
    const callee = await startSippServer({ scenario: mediaCalleeRefusingReoffer(), localPort: ports.primary, calls: 1 });
    const caller = runSipp({ scenario: mediaCallerReofferRefused({ to: numbers.clinic, relayPorts: relay.portPattern, port: refusedPort, holdMs: 1500 }), remote: remote(), calls: 1, extraArgs: ['-mp', String(callerMediaPort)] });
    // The 488 is counted as it is relayed, after the relay was set back.
    await eventually('the 488 was relayed to the caller', async () => (await refusals()) === refusedBefore + 1, 5000, 50);
    const [callId] = await relay.calls();
    assert.ok(callId);
    const reply = await relay.command({ command: 'query', 'call-id': callId });
    const rtpTargets = rtpEndpointPorts(reply);
    assert.ok(!rtpTargets.includes(refusedPort), `the relay does not send to the refused port ${refusedPort} (${JSON.stringify(rtpTargets)})`);
    assert.ok(rtpTargets.includes(Number(callerMediaPort)), `the relay sends to the caller's port from before, ${callerMediaPort} (${JSON.stringify(rtpTargets)})`);
    ok(await caller, 'caller');
    ok(await callee.exited, 'callee');
    await relayIsEmpty('after the BYE');
  });

  test('a <Dial> noun that fails while another still rings leaves the relay session to the one that answers', async () => {
    const trunk = await startSippServer({ scenario: calleeRefusing(486, 'Busy Here'), localPort: ports.primary, calls: 1 });
    const agent = await startSippServer({ scenario: mediaCallee({ relayPorts: relay.portPattern, ringMs: 400 }), calls: 1 });
    webhook.route('/voice', twiml(`<Dial timeout="5"><Number>+85597000111</Number><Sip>sip:agent@127.0.0.1:${agent.port}</Sip></Dial>`));
    try {
      ok(await runSipp({ scenario: mediaCaller({ to: numbers.clinic, relayPorts: relay.portPattern, holdMs: 200 }), remote: remote(), calls: 1 }), 'caller (answered by the agent, through the relay)');
      ok(await trunk.exited, 'trunk (486)');
      ok(await agent.exited, 'agent (its offer named the relay)');
      await relayIsEmpty('after the BYE');
    } finally {
      webhook.route('/voice', dialPstn);
    }
  });

  test('an INVITE body that is not SDP is refused 415 rather than passed unanchored', async () => {
    const scenario = callerExpecting(415, { to: numbers.clinic }).replace('Content-Type: application/sdp', 'Content-Type: application/x-private');
    ok(await runSipp({ scenario, remote: remote(), calls: 1 }), 'caller');
  });

  test('a relay that does not answer: the caller gets 503 within the ng timeout, the trunk is not rung, and the failure is counted', async () => {
    const silent = await freeUdpPort();
    const blackhole = await startMediaWorker(routing, `127.0.0.1:${silent}`, { timeoutMs: 600 });
    const trunk = createSocket('udp4');
    const trunkGot: string[] = [];
    trunk.on('message', (message) => trunkGot.push(message.toString('latin1').split('\r\n')[0] ?? ''));
    await new Promise<void>((resolve) => trunk.bind(ports.primary, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      ok(await runSipp({ scenario: callerExpecting(503, { to: numbers.clinic }), remote: `127.0.0.1:${blackhole.port}`, calls: 1 }), 'caller gets 503');
      assert.ok(Date.now() - started < 5000, 'refused promptly, not hung');
      assert.equal(await blackhole.metric('switchyard_media_anchor_failures_total', { step: 'offer' }), 1);
      assert.equal(await blackhole.metric('switchyard_media_relay_commands_total', { command: 'offer', result: 'timeout' }), 1);
      assert.equal(await blackhole.metric('switchyard_outbound_trunk_attempts_total', { outcome: 'media-unavailable' }), 1);
      assert.deepEqual(trunkGot, [], 'the trunk got nothing');
    } finally {
      trunk.close();
      await blackhole.close();
    }
  });

  test('a worker hanging up its calls at the end of a drain deletes their relay sessions before it closes', async () => {
    const draining = await startMediaWorker(routing, relay.relay);
    const callee = await startSippServer({ scenario: mediaCallee({ relayPorts: relay.portPattern }), localPort: ports.primary, calls: 1 });
    const caller = runSipp({ scenario: mediaCaller({ to: numbers.clinic, relayPorts: relay.portPattern, holdMs: 8000 }), remote: `127.0.0.1:${draining.port}`, calls: 1, timeoutSeconds: 12 });
    await eventually('the call is up on the relay', async () => (await relay.calls()).length === 1, 5000, 50);
    await sleep(300);
    await draining.close();
    await relayIsEmpty('after the worker closed', draining);
    ok(await callee.exited, 'callee (hung up by the worker)');
    await caller;
  });
});
