// Bounded fuzzing of a live worker: seeded mutations of real messages sent over UDP and TCP,
// plus oversized and endless input. The worker must stay up and keep answering, and must not
// hold on to what it was flooded with.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
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

  before(async () => {
    webhook = await startWebhookServer();
    webhook.route('/voice', twiml('<Reject/>'));
    worker = await startTestWorker(trunkCallRouting(webhook.base, await freeFixturePorts()));
  });
  after(async () => {
    await worker.close();
    await webhook.close();
  });

  test(`${UDP_MESSAGES} mutated datagrams leave it answering OPTIONS`, async () => {
    const random = prng(4475);
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    for (let i = 0; i < UDP_MESSAGES; i++) {
      const original = LOOPBACK_CORPUS[i % LOOPBACK_CORPUS.length] ?? OPTIONS;
      socket.send(mutate(original, random), worker.port, '127.0.0.1');
      if (i % 200 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    // A datagram at the UDP maximum, far over the 64 KiB message limit of the parser.
    socket.send(Buffer.alloc(65_000, 'A'), worker.port, '127.0.0.1');
    socket.close();
    assert.equal(await udpOptionsAnswered(worker.port), true);
  });

  test(`${TCP_MESSAGES} mutated messages on TCP streams, and a stream that never ends a message`, async () => {
    const random = prng(3261);
    for (let stream = 0; stream < 10; stream++) {
      const socket = await tcp(worker.port);
      for (let i = 0; i < TCP_MESSAGES / 10; i++) socket.write(mutate(LOOPBACK_CORPUS[(stream + i) % LOOPBACK_CORPUS.length] ?? OPTIONS, random));
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

  test('after the flood it still answers OPTIONS over UDP and TCP', async () => {
    assert.equal(await udpOptionsAnswered(worker.port), true);
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
