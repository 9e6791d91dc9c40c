// What the peer fuzz tests run against: a worker with shortened timers whose log is read back,
// the customer's webhook dialling a hostile callee (hostile-callee.ts) in a few ways, and the
// checks that the worker threw nothing and kept nothing once the calls are over.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { numbers, freeFixturePorts, trunkCallRouting } from '../calls/trunk-call-fixture.ts';
import { pick, prng } from '../sip/mutations.ts';
import type { FuzzCaller } from './fuzz-caller.ts';
import { HostileCallee } from './hostile-callee.ts';
import { startWebhookServer, twiml, type WebhookServer } from './webhook-server.ts';
import { startTestWorker, type TestWorker, type TestWorkerOptions } from './worker-harness.ts';

/** Log lines that mean the worker's code threw or failed where it must not. */
function isDefect(line: Record<string, unknown>): boolean {
  if (typeof line.level === 'number' && line.level >= 50) return true;
  // The transaction layer's reports of a transaction user's or a client transaction callback's throw.
  if (line.msg === 'transaction layer' && String(line.detail).includes(' threw')) return true;
  const event = line.event as { kind?: string; detail?: string } | undefined;
  return line.msg === 'transport event' && (event?.kind === 'handler-threw' || String(event?.detail).startsWith('internal'));
}

export interface FuzzPlatform {
  worker: TestWorker;
  callee: HostileCallee;
  /** Places `calls` calls in bursts of `burst`, then waits (bounded) until the worker holds none of them. */
  placeCalls(caller: FuzzCaller, calls: number, burst?: number): Promise<void>;
  /** Nothing thrown or logged at error level, no unhandled rejection, no call or dialog left. */
  assertNothingLeft(): void;
  /** Waits (bounded) for every transaction to end, as each does within its timers (64·T1, shortened here), and says how many did not. */
  transactionsLeft(): Promise<{ client: number; server: number }>;
  close(): Promise<void>;
}

export async function startFuzzPlatform(options: Pick<TestWorkerOptions, 'media'> = {}): Promise<FuzzPlatform> {
  const logged: Array<Record<string, unknown>> = [];
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  process.on('unhandledRejection', onRejection);
  const callee = await HostileCallee.start(prng(3262), { lines: 0.3, bytes: 0.1 });
  const webhook: WebhookServer = await startWebhookServer();
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
  const worker = await startTestWorker(trunkCallRouting(webhook.base, await freeFixturePorts()), {
    ...options,
    sipTimers: { t1: 50, t2: 400, t4: 500 },
    keepaliveMs: 400,
    maxCallMs: 3000,
    dnsServers: ['127.0.0.1:1'],
    trunkProgressTimeoutMs: 1000,
  }, pino({ level: 'debug' }, sink));
  const running = worker.running.worker;

  return {
    worker,
    callee,
    async placeCalls(caller, calls, burst = 20) {
      for (let n = 0; n < calls; n++) {
        caller.call(n, numbers.clinic);
        if (n % burst === burst - 1) await sleep(150);
      }
      for (let waited = 0; (running.activeCalls > 0 || running.registry.size > 0) && waited < 45_000; waited += 100) await sleep(100);
      caller.close();
    },
    assertNothingLeft() {
      const defects = logged.filter(isDefect);
      assert.deepEqual(defects.slice(0, 5), [], `${defects.length} log lines of code that threw or failed`);
      assert.deepEqual(rejections, []);
      assert.equal(running.activeCalls, 0, 'every call ended');
      assert.equal(running.registry.size, 0, 'every dialog was removed');
    },
    async transactionsLeft() {
      const { layer } = worker.running;
      for (let waited = 0; (layer.clientTransactionCount > 0 || layer.serverTransactionCount > 0) && waited < 15_000; waited += 100) await sleep(100);
      return { client: layer.clientTransactionCount, server: layer.serverTransactionCount };
    },
    async close() {
      process.off('unhandledRejection', onRejection);
      callee.close();
      await worker.close();
      await webhook.close();
    },
  };
}
