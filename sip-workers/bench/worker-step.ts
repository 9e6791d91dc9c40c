// One step of the worker bench at one rate, for looking inside the worker rather than ranking it:
// the same worker, webhook and SIPp caller/callee as calls.ts, a warm-up of 1,000 calls, then
// `rate` calls a second for `seconds`. Prints one JSON line: calls by outcome, new calls refused
// as overloaded, the worker's CPU per call and share of a core, the webhook's share, the latency
// probe's p50/p99 to the 100 and the 200 (BENCH_PROBE_CPS calls a second beside the load), the
// worker's RSS.
//
//   node sip-workers/bench/worker-step.ts 1000 6
//   BENCH_WORKER_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" node sip-workers/bench/worker-step.ts 800 8
//   BENCH_WORKER_NODE_FLAGS="--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=/tmp/heap" node sip-workers/bench/worker-step.ts 500 6 --heap-snapshot
//
// BENCH_KEEP=1 keeps the work directory, with the worker's log (and what --trace-gc printed).
// BENCH_CARRIER_EVENTS=1 gives the Carrier an event webhook (the webhook process takes the events),
// so each call's CPU includes its phone_call.completed POST.
//
// --heap-snapshot signals the worker at the end of the step (while the step's transactions are
// still in their 32 s) and waits for it to write the snapshot.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPort } from '../test/support/sipp.ts';
import { BENCH_CARRIER, benchNumber, benchRouting } from './bench-routing.ts';
import { KAMAILIO_CALLEE_PORT } from './kamailio.ts';
import { startProbe } from './latency-probe.ts';
import { processUsage } from './process-usage.ts';
import { percentile } from './rtt-stats.ts';
import { runCaller, startCallee } from './sipp-load.ts';
import { plainCaller } from './uac-scenarios.ts';
import { startWebhook } from './webhook-runner.ts';
import { startWorker } from './worker-runner.ts';

const [rate = 500, seconds = 6] = process.argv.slice(2).filter((arg) => !arg.startsWith('--')).map(Number);
const heapSnapshot = process.argv.includes('--heap-snapshot');

const workDir = await mkdtemp(join(tmpdir(), 'switchyard-worker-step-'));
const webhook = await startWebhook(`sip:uas@127.0.0.1:${KAMAILIO_CALLEE_PORT}`);
const worker = await startWorker({ directory: benchRouting(webhook.base, process.env.BENCH_CARRIER_EVENTS === '1') }, BENCH_CARRIER, workDir, process.env.BENCH_WORKER_LOG_LEVEL ?? 'info');
const callee = await startCallee(KAMAILIO_CALLEE_PORT, workDir);
try {
  const run = { scenario: plainCaller(), remote: `127.0.0.1:${worker.sipPort}`, localPort: await freeUdpPort(), service: benchNumber, workDir };
  await runCaller({ ...run, rate: 200, calls: 1000 });
  const before = { worker: processUsage(worker.pid).cpuSeconds, webhook: processUsage(webhook.pid).cpuSeconds, refused: await refusedAsOverloaded() };
  const started = performance.now();
  const probe = await startProbe({ host: '127.0.0.1', port: worker.sipPort, service: benchNumber, callsPerSecond: Number(process.env.BENCH_PROBE_CPS ?? 30) });
  const step = await runCaller({ ...run, rate, calls: rate * seconds });
  const elapsed = (performance.now() - started) / 1000;
  const workerCpu = processUsage(worker.pid).cpuSeconds - before.worker;
  const probed = await probe.stop();
  console.log(JSON.stringify({
    rate,
    calls: step.calls,
    ok: step.successful,
    failed: step.failed,
    unfinished: step.unfinished,
    refusedAsOverloaded: (await refusedAsOverloaded()) - before.refused,
    retransmissions: step.retransmissions,
    achievedRate: step.achievedRate,
    workerCpuMsPerCall: Number(((workerCpu * 1000) / step.calls).toFixed(3)),
    workerCoreShare: Number((workerCpu / elapsed).toFixed(2)),
    webhookCoreShare: Number(((processUsage(webhook.pid).cpuSeconds - before.webhook) / elapsed).toFixed(2)),
    probeTryingP50P99Ms: [percentile(probed.trying, 50), percentile(probed.trying, 99)].map((ms) => Number((ms ?? NaN).toFixed(2))),
    probeAnswerP50P99Ms: [percentile(probed.answer, 50), percentile(probed.answer, 99)].map((ms) => Number((ms ?? NaN).toFixed(2))),
    probeLost: probed.lost,
    workerRssMB: Math.round(processUsage(worker.pid).rssBytes / 1e6),
  }));
  if (heapSnapshot) {
    process.kill(worker.pid, 'SIGUSR2');
    // Writing a few hundred MB of snapshot takes the worker a while; it stays up meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 30_000));
  }
} finally {
  await callee.stop();
  await worker.stop();
  await webhook.stop();
  if (process.env.BENCH_KEEP === '1') console.error(`kept ${workDir} (the worker's log is worker.log)`);
  else await rm(workDir, { recursive: true, force: true });
}

function refusedAsOverloaded(): Promise<number> {
  return worker.metric('switchyard_call_rejections_total', { status: '503', reason: 'Service Unavailable - Overloaded' });
}
