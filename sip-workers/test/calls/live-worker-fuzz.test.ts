// Bounded fuzzing of a live worker: seeded mutations of real messages sent over UDP and TCP,
// plus oversized and endless input, with the flow relay on. The worker must stay up and keep
// answering, and must not hold on to what it was flooded with.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { FlowTokens } from '../../src/flow-relay/flow-token.ts';
import { hex, rfc5769Request, transactionId } from '../sip/stun-fixtures.ts';
import { CORPUS, OPTIONS } from '../sip/fixtures.ts';
import { mutate, prng } from '../sip/mutations.ts';
import { startWebhookServer, twiml } from '../support/webhook-server.ts';
import type { WebhookServer } from '../support/webhook-server.ts';
import { startTestWorker } from '../support/worker-harness.ts';
import type { TestWorker } from '../support/worker-harness.ts';
import { freeFixturePorts, trunkCallRouting } from './trunk-call-fixture.ts';

const UDP_MESSAGES = 4000;
const TCP_MESSAGES = 1000;

/** The corpus with every Via pointing at 127.0.0.1, so whatever the worker answers stays on loopback. */
const LOOPBACK_CORPUS = CORPUS.map(([, data]) => Buffer.from(data.toString('latin1').replace(/^(Via|v): SIP\/2\.0\/(UDP|TCP) [^;\r\n]+/gm, '$1: SIP/2.0/$2 127.0.0.1:9'), 'latin1'));

/**
 * Seeds that reach the flow relay: an INVITE routed through this worker with a genuine flow token
 * (naming a flow it does not hold) and a response to a relayed request, so mutations land in the
 * relay's parsing of Routes, tokens and Vias too.
 */
function relaySeeds(workerPort: number, tokens: FlowTokens): Buffer[] {
  const token = tokens.mint({ flow: { transport: 'tls', address: '127.0.0.1', port: 9 }, peer: '127.0.0.1:9' });
  const invite = [
    'INVITE sip:agent@192.168.1.7:5061;transport=tls SIP/2.0',
    'Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKfuzzrelay;rport',
    `Route: <sip:${token}@127.0.0.1:${workerPort};lr>`,
    'Max-Forwards: 70', 'From: <sip:a@127.0.0.1>;tag=1', 'To: <sip:agent@kampot.example>', 'Call-ID: fuzz-relay', 'CSeq: 1 INVITE',
    'Contact: <sip:a@127.0.0.1:9>', 'Content-Length: 0', '', '',
  ].join('\r\n');
  const response = [
    'SIP/2.0 180 Ringing',
    `Via: SIP/2.0/TLS 127.0.0.1:${workerPort};branch=z9hG4bKrelay0123456789abcdef0123;rport`,
    'Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKfuzzrelay;rport=9;received=127.0.0.1',
    'From: <sip:a@127.0.0.1>;tag=1', 'To: <sip:agent@kampot.example>;tag=2', 'Call-ID: fuzz-relay', 'CSeq: 1 INVITE', 'Content-Length: 0', '', '',
  ].join('\r\n');
  return [Buffer.from(invite), Buffer.from(response)];
}

/**
 * Seeds for the extensions a call may require: an INVITE to a routed number requiring 100rel and
 * timer (its provisionals would go reliably, its early dialog takes PRACKs) and a PRACK into it,
 * so mutations land in Require, RSeq/RAck and Session-Expires handling.
 */
function extensionSeeds(): Buffer[] {
  const invite = [
    'INVITE sip:+85523900100@127.0.0.1 SIP/2.0',
    'Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKfuzz100rel;rport',
    'Max-Forwards: 70', 'From: <sip:+85512000111@127.0.0.1>;tag=1', 'To: <sip:+85523900100@127.0.0.1>', 'Call-ID: fuzz-100rel', 'CSeq: 1 INVITE',
    'Contact: <sip:a@127.0.0.1:9>', 'Require: 100rel, timer', 'Supported: timer', 'Session-Expires: 1800;refresher=uac', 'Min-SE: 90', 'Content-Length: 0', '', '',
  ].join('\r\n');
  const prack = [
    'PRACK sip:worker@127.0.0.1 SIP/2.0',
    'Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKfuzzprack;rport',
    'Max-Forwards: 70', 'From: <sip:+85512000111@127.0.0.1>;tag=1', 'To: <sip:+85523900100@127.0.0.1>;tag=2', 'Call-ID: fuzz-100rel', 'CSeq: 2 PRACK',
    'RAck: 1 1 INVITE', 'Content-Length: 0', '', '',
  ].join('\r\n');
  return [Buffer.from(invite), Buffer.from(prack)];
}

function options(transport: 'UDP' | 'TCP', port: number, branch: string): Buffer {
  return Buffer.from(OPTIONS.toString('latin1').replace(/^Via: [^\r\n]+/m, `Via: SIP/2.0/${transport} 127.0.0.1:${port};branch=z9hG4bK${branch};rport`), 'latin1');
}

async function udpOptionsAnswered(workerPort: number): Promise<boolean> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const answered = new Promise<boolean>((resolve) => {
    socket.on('message', (data) => data.toString().startsWith('SIP/2.0 200') && resolve(true));
    setTimeout(() => resolve(false), 2000);
  });
  socket.send(options('UDP', socket.address().port, `alive${Date.now()}`), workerPort, '127.0.0.1');
  const result = await answered;
  socket.close();
  return result;
}

async function tcp(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => undefined);
  return socket;
}

describe('a live worker under fuzzed and flooding input', { timeout: 60_000 }, () => {
  let webhook: WebhookServer;
  let worker: TestWorker;
  let corpus: Buffer[];

  before(async () => {
    webhook = await startWebhookServer();
    webhook.route('/voice', twiml('<Reject/>'));
    const flowTokenKey = randomBytes(32);
    worker = await startTestWorker(trunkCallRouting(webhook.base, await freeFixturePorts()), { flowTokenKey });
    // STUN keep-alives share the UDP port with SIP: a plain Binding request and RFC 5769's, with a FINGERPRINT.
    corpus = [...LOOPBACK_CORPUS, ...relaySeeds(worker.port, new FlowTokens(flowTokenKey)), ...extensionSeeds(), hex(`0001 0000 2112a442 ${transactionId}`), rfc5769Request];
  });
  after(async () => {
    await worker.close();
    await webhook.close();
  });

  test(`${UDP_MESSAGES} mutated datagrams leave it answering OPTIONS`, async () => {
    const random = prng(4475);
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    // Each seed once as it is, so what it reaches is reached at least once whatever the mutations.
    for (const original of corpus) socket.send(original, worker.port, '127.0.0.1');
    for (let i = 0; i < UDP_MESSAGES; i++) {
      const original = corpus[i % corpus.length] ?? OPTIONS;
      socket.send(mutate(original, random), worker.port, '127.0.0.1');
      if (i % 200 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    // A datagram at the UDP maximum, far over the 64 KiB message limit of the parser.
    socket.send(Buffer.alloc(65_000, 'A'), worker.port, '127.0.0.1');
    socket.close();
    assert.equal(await udpOptionsAnswered(worker.port), true);
    const total = async (name: string) => {
      const metric = (await worker.metrics.registry.getMetricsAsJSON()).find((each) => each.name === name);
      return ((metric?.values ?? []) as Array<{ value: number }>).reduce((sum, value) => sum + value.value, 0);
    };
    assert.ok(await total('switchyard_flow_relay_messages_total') > 0, 'the relay seeds reached the relay');
    assert.ok(await total('switchyard_stun_messages_total') > 0, 'the STUN seeds reached the STUN server');
  });

  test(`${TCP_MESSAGES} mutated messages on TCP streams, and a stream that never ends a message`, async () => {
    const random = prng(3261);
    for (let stream = 0; stream < 10; stream++) {
      const socket = await tcp(worker.port);
      for (let i = 0; i < TCP_MESSAGES / 10; i++) socket.write(mutate(corpus[(stream + i) % corpus.length] ?? OPTIONS, random));
      socket.end();
    }
    // Headers that never end: the connection must be cut at the read-buffer limit, not buffered forever.
    const endless = await tcp(worker.port);
    const closed = new Promise<boolean>((resolve) => {
      endless.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 5000);
    });
    const line = Buffer.from(`X-Flood: ${'x'.repeat(1000)}\r\n`);
    endless.write('OPTIONS sip:worker@127.0.0.1 SIP/2.0\r\n');
    for (let i = 0; i < 200 && !endless.destroyed; i++) endless.write(line);
    assert.equal(await closed, true, 'the worker closed a connection that sent 200 KB without ending a message');
    assert.equal(worker.running.transport.tcpConnectionCount <= 10, true);
  });

  test('after the flood it still answers OPTIONS over UDP and TCP, and holds no call or dialog', async () => {
    assert.equal(await udpOptionsAnswered(worker.port), true);
    // Every call the flood started was refused (the webhook rejects): none is kept, nor its early dialog.
    for (let waited = 0; (worker.running.worker.activeCalls > 0 || worker.running.worker.registry.size > 0) && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(worker.running.worker.activeCalls, 0);
    assert.equal(worker.running.worker.registry.size, 0);
    const socket = await tcp(worker.port);
    const answer = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (data: Buffer) => {
        text += data.toString();
        if (text.includes('\r\n\r\n')) resolve(text);
      });
      setTimeout(() => resolve(text), 2000);
    });
    socket.write(options('TCP', socket.localPort ?? 0, 'tcpalive'));
    assert.match(await answer, /^SIP\/2\.0 200 /);
    socket.destroy();
  });
});
