// Bounded fuzzing of a live worker through whole calls, from the parties' side: calls whose
// webhook dials a callee that answers with scripted mischief, a share of it garbled
// (support/hostile-callee.ts), first from a well-behaved caller, then from one that cancels,
// PRACKs wrongly, skips its ACK and garbles what it sends mid-call (support/fuzz-caller.ts). A
// customer's SIP endpoint behind <Dial><Sip> is not ours to trust, nor is a caller: what they send
// inside a call runs through the B2BUA (both legs' transactions, PRACK and fork bookkeeping, the
// dialog keepalive, the mid-call relay), past the parser the other fuzz tests hammer. The worker
// must not throw anywhere, must end every call and dialog (within its timers, shortened here) and
// must keep answering. All traffic stays on 127.0.0.1: a garbled host name is looked up on a DNS
// port there that never answers.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { pick, prng } from '../sip/mutations.ts';
import { FuzzCaller } from '../support/fuzz-caller.ts';
import { HostileCallee } from '../support/hostile-callee.ts';
import { sendOptions } from '../support/options-probe.ts';
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

describe('a live worker whose callers and callees send scripted and garbled mischief', { timeout: 120_000 }, () => {
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

  /** Places the calls in bursts and waits (bounded) until the worker holds none of them. */
  async function placeCalls(caller: FuzzCaller): Promise<void> {
    for (let n = 0; n < CALLS; n++) {
      caller.call(n, numbers.clinic);
      if (n % AT_ONCE === AT_ONCE - 1) await sleep(150);
    }
    const running = worker.running.worker;
    for (let waited = 0; (running.activeCalls > 0 || running.registry.size > 0) && waited < 45_000; waited += 100) await sleep(100);
    caller.close();
  }

  function assertNothingLeft(): void {
    const defects = logged.filter(isDefect);
    assert.deepEqual(defects.slice(0, 5), [], `${defects.length} log lines of code that threw or failed`);
    assert.deepEqual(rejections, []);
    assert.equal(worker.running.worker.activeCalls, 0, 'every call ended');
    assert.equal(worker.running.worker.registry.size, 0, 'every dialog was removed');
  }

  test(`${CALLS} calls from a well-behaved caller leave no call or dialog behind, nothing thrown, and the worker still answering`, async () => {
    const invitesBefore = callee.counts.invites;
    const caller = await FuzzCaller.start(prng(3261), worker.port);
    await placeCalls(caller);
    assertNothingLeft();
    // The scripts reached the code they aim at: B legs were dialled and some calls were answered.
    assert.ok(callee.counts.invites - invitesBefore >= CALLS, `the callee saw ${callee.counts.invites - invitesBefore} INVITEs`);
    assert.ok(caller.answered > CALLS / 10, `${caller.answered} calls were answered`);
    assert.equal((await sendOptions(worker.port)).status, 200);
  });

  test(`${CALLS} calls from a caller that cancels, PRACKs wrongly, skips ACKs and garbles its requests leave nothing behind either`, async () => {
    const caller = await FuzzCaller.start(prng(3263), worker.port, { lines: 0.3, bytes: 0.1 });
    await placeCalls(caller);
    assertNothingLeft();
    assert.ok(caller.answered > CALLS / 10, `${caller.answered} calls were answered`);
    assert.equal((await sendOptions(worker.port)).status, 200);
  });
});
