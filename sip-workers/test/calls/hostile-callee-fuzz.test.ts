// Bounded fuzzing of a live worker from the far side of its calls: a caller places calls whose
// webhook dials a callee that answers with scripted mischief, a share of it garbled
// (support/hostile-callee.ts). A customer's SIP endpoint behind <Dial><Sip> is not ours to trust,
// and every response and in-dialog request it sends runs through the B2BUA's client side, the
// PRACK and fork bookkeeping, the dialog keepalive and the mid-call relay. The worker must not
// throw anywhere, must end every call and dialog (within its timers, shortened here) and must
// keep answering. All traffic stays on 127.0.0.1: a garbled host name is looked up on a DNS port
// there that never answers.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { int, pick, prng, type Random } from '../sip/mutations.ts';
import { HostileCallee } from '../support/hostile-callee.ts';
import { sendOptions } from '../support/options-probe.ts';
import { parsePhoneMessage, type PhoneMessage } from '../support/scripted-phone.ts';
import { cseqOf, methodOf, responseLines, sdp, statusOf, uriOf, wire } from '../support/sip-text.ts';
import { startWebhookServer, twiml, type WebhookServer } from '../support/webhook-server.ts';
import { startTestWorker, type TestWorker } from '../support/worker-harness.ts';
import { freeFixturePorts, numbers, trunkCallRouting } from './trunk-call-fixture.ts';

const CALLS = 300;
const AT_ONCE = 20;

/** Log lines that mean the worker's code threw or failed where it must not. */
function isDefect(line: Record<string, unknown>): boolean {
  if (typeof line.level === 'number' && line.level >= 50) return true;
  // The transaction layer's reports of a transaction user's or a client transaction callback's throw.
  if (line.msg === 'transaction layer' && String(line.detail).includes(' threw')) return true;
  const event = line.event as { kind?: string; detail?: string } | undefined;
  return line.msg === 'transport event' && (event?.kind === 'handler-threw' || String(event?.detail).startsWith('internal'));
}

/** The caller: INVITEs to the clinic's number; ACKs every final, hangs up some answered calls, answers the worker's requests. */
class Caller {
  readonly #socket: Socket;
  readonly #random: Random;
  readonly #workerPort: number;
  answered = 0;

  private constructor(socket: Socket, random: Random, workerPort: number) {
    this.#socket = socket;
    this.#random = random;
    this.#workerPort = workerPort;
    socket.on('message', (data) => this.#receive(parsePhoneMessage(data.toString('latin1'))));
  }

  static async start(random: Random, workerPort: number): Promise<Caller> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new Caller(socket, random, workerPort);
  }

  get #port(): number {
    return this.#socket.address().port;
  }

  call(n: number): void {
    const lines = [
      `INVITE sip:${numbers.clinic}@127.0.0.1:${this.#workerPort} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.#port};branch=z9hG4bK-caller-${n};rport`,
      'Max-Forwards: 70', `From: <sip:+85512000111@127.0.0.1>;tag=caller-${n}`, `To: <sip:${numbers.clinic}@127.0.0.1>`,
      `Call-ID: hostile-callee-${n}`, 'CSeq: 1 INVITE', `Contact: <sip:caller@127.0.0.1:${this.#port}>`,
      ...(n % 4 === 0 ? ['Supported: 100rel, timer'] : []), 'Content-Type: application/sdp',
    ];
    this.#send(wire(lines, sdp(30_000, n)));
  }

  close(): void {
    this.#socket.close();
  }

  #send(data: Buffer): void {
    this.#socket.send(data, this.#workerPort, '127.0.0.1');
  }

  #receive(message: PhoneMessage): void {
    const status = statusOf(message);
    if (status === 0) return this.#answer(message);
    const { number, method } = cseqOf(message);
    if (method !== 'INVITE' || status < 200) return;
    const ok = status < 300;
    // §17.1.1.3: the ACK for a non-2xx reuses the INVITE's branch; a 2xx's ACK is a new transaction.
    const branch = ok ? `z9hG4bK-ack-${int(this.#random, 1e9)}` : (/branch=([^;]+)/.exec(message.header('Via') ?? '')?.[1] ?? 'z9hG4bK-x');
    const common = [`From: ${message.header('From') ?? ''}`, `To: ${message.header('To') ?? ''}`, `Call-ID: ${message.header('Call-ID') ?? ''}`];
    const target = (ok && uriOf(message.header('Contact'))) || `sip:worker@127.0.0.1:${this.#workerPort}`;
    this.#send(wire([`ACK ${target} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${this.#port};branch=${branch};rport`, 'Max-Forwards: 70', ...common, `CSeq: ${number} ACK`]));
    if (!ok) return;
    this.answered++;
    if (this.#random() < 0.5) {
      const bye = [`BYE ${target} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${this.#port};branch=z9hG4bK-bye-${int(this.#random, 1e9)};rport`, 'Max-Forwards: 70', ...common, `CSeq: ${number + 1} BYE`];
      setTimeout(() => this.#send(wire(bye)), int(this.#random, 400)).unref();
    }
  }

  /** The worker's requests to the caller (keepalive OPTIONS, BYE, relayed re-INVITE or UPDATE): 200. */
  #answer(request: PhoneMessage): void {
    const method = methodOf(request);
    if (method === 'ACK') return;
    const body = method === 'INVITE' || method === 'UPDATE' ? sdp(30_002, 2) : '';
    this.#send(wire(responseLines(request, 200, 'OK', 'caller', [`Contact: <sip:caller@127.0.0.1:${this.#port}>`, ...(body ? ['Content-Type: application/sdp'] : [])]), body));
  }
}

describe('a live worker whose callee answers with scripted and garbled mischief', { timeout: 120_000 }, () => {
  let webhook: WebhookServer;
  let worker: TestWorker;
  let callee: HostileCallee;
  const logged: Array<Record<string, unknown>> = [];
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);

  before(async () => {
    process.on('unhandledRejection', onRejection);
    callee = await HostileCallee.start(prng(3262), { lines: 0.3, bytes: 0.1 });
    webhook = await startWebhookServer();
    const random = prng(4028);
    const sip = `sip:callee@127.0.0.1:${callee.port}`;
    // Mostly one <Sip>; some forked to it twice, some with credentials for its challenge, some
    // ringing the caller only once it answers, some with an action that hangs up.
    const documents = [
      `<Dial timeout="3"><Sip>${sip}</Sip></Dial>`,
      `<Dial timeout="3"><Sip>${sip}</Sip><Sip>${sip};fork=2</Sip></Dial>`,
      `<Dial timeout="3"><Sip username="u" password="p">${sip}</Sip></Dial>`,
      `<Dial timeout="3" answerOnBridge="true"><Sip>${sip}</Sip></Dial>`,
      `<Dial timeout="3" action="/after"><Sip>${sip}</Sip></Dial>`,
    ];
    webhook.route('/voice', (hit, response) => twiml(pick(random, documents))(hit, response));
    webhook.route('/after', twiml('<Hangup/>'));
    webhook.route('/status', (_hit, response) => void response.writeHead(204).end());
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line) logged.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    worker = await startTestWorker(trunkCallRouting(webhook.base, await freeFixturePorts()), {
      sipTimers: { t1: 50, t2: 400, t4: 500 },
      keepaliveMs: 400,
      maxCallMs: 3000,
      dnsServers: ['127.0.0.1:1'],
      trunkProgressTimeoutMs: 1000,
    }, pino({ level: 'debug' }, sink));
  });
  after(async () => {
    process.off('unhandledRejection', onRejection);
    callee.close();
    await worker.close();
    await webhook.close();
  });

  test(`${CALLS} calls leave no call or dialog behind, nothing thrown, and the worker still answering`, async () => {
    const caller = await Caller.start(prng(3261), worker.port);
    for (let n = 0; n < CALLS; n++) {
      caller.call(n);
      if (n % AT_ONCE === AT_ONCE - 1) await sleep(150);
    }
    const running = worker.running.worker;
    for (let waited = 0; (running.activeCalls > 0 || running.registry.size > 0) && waited < 45_000; waited += 100) await sleep(100);
    caller.close();

    const defects = logged.filter(isDefect);
    assert.deepEqual(defects.slice(0, 5), [], `${defects.length} log lines of code that threw or failed`);
    assert.deepEqual(rejections, []);
    assert.equal(running.activeCalls, 0, 'every call ended');
    assert.equal(running.registry.size, 0, 'every dialog was removed');
    // The scripts reached the code they aim at: B legs were dialled and some calls were answered.
    assert.ok(callee.counts.invites >= CALLS, `the callee saw ${callee.counts.invites} INVITEs`);
    assert.ok(caller.answered > CALLS / 10, `${caller.answered} calls were answered`);
    assert.equal((await sendOptions(worker.port)).status, 200);
  });
});
