// make bench (worker part): SIPp UAC → X → SIPp UAS at rising rates, where X is Kamailio (the
// stateful proxy of shared/bench/, tuned row), the Switchyard worker (webhook on loopback
// answering <Dial><Sip>), the worker with digest authentication on every call, and nothing at
// all (the caller straight to the callee, for the setup time the worker adds). Prints every step,
// then the figures against their targets, MET or MISSED.
//
//   node sip-workers/bench/calls.ts
//   BENCH_RATES=100,500,1000 BENCH_STEP_SECONDS=3 node sip-workers/bench/calls.ts
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, release, tmpdir } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeUdpPort } from '../test/support/sipp.ts';
import { BENCH_CARRIER, benchAgent, benchDomain, benchNumber, benchRouting, domainCallee } from './bench-routing.ts';
import { KAMAILIO_CALLEE_PORT, KAMAILIO_PORT, kamailioVersion, startKamailio } from './kamailio.ts';
import type { SearchOptions, SearchResult, SystemUnderTest } from './rate-search.ts';
import { searchRate } from './rate-search.ts';
import { machineBusySeconds, processUsage } from './process-usage.ts';
import { assertUdpPortFree } from './sip-ping.ts';
import { failureDetail, probeLine, STEP_HEADER, stepLine, verdictLine } from './report.ts';
import { authenticatingCaller, plainCaller } from './uac-scenarios.ts';
import { latencyByRate, verdicts } from './verdicts.ts';
import { startWebhook } from './webhook-runner.ts';
import { startWorker } from './worker-runner.ts';
import type { RunningWorker } from './worker-runner.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const rates = (process.env.BENCH_RATES ?? '100,250,500,1000,1500,2000,3000,4000').split(',').map(Number).filter((rate) => rate > 0);
const stepSeconds = Number(process.env.BENCH_STEP_SECONDS ?? 5);
const kamailioConfig = process.env.BENCH_KAMAILIO_CFG ?? join(repoRoot, '../shared/bench/kamailio-proxy.cfg');
const workerLogLevel = process.env.BENCH_WORKER_LOG_LEVEL ?? 'info';
const probeRate = Number(process.env.BENCH_PROBE_CPS ?? 30);
/** The callee sits where the Kamailio config relays to; the worker dials it there too. */
const calleePort = KAMAILIO_CALLEE_PORT;

function firstLine(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return result.error ? 'not installed' : (result.stdout + result.stderr).split('\n').map((line) => line.trim()).find(Boolean) ?? '?';
}

/** Cores' worth of CPU the machine is busy with before the bench starts (other people's work). */
async function idleLoad(): Promise<number> {
  const before = machineBusySeconds();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return machineBusySeconds() - before;
}

function machineFacts(): string[] {
  const sysctl = (name: string) => {
    try {
      return readFileSync(`/proc/sys/net/core/${name}`, 'utf8').trim();
    } catch {
      return '?';
    }
  };
  return [
    `cores: ${cpus().length} × ${cpus()[0]?.model ?? '?'}; Linux ${release()}`,
    `Node ${process.version}; ${firstLine('sipp', ['-v'])}; Kamailio ${kamailioVersion() ?? 'not installed'}`,
    `net.core.rmem_max=${sysctl('rmem_max')} wmem_max=${sysctl('wmem_max')} (4 MB socket buffers need ≥ 4194304)`,
    `${stepSeconds} s per step, rates ${rates.join(', ')} CPS; SIPp's response times tick in whole kernel jiffies (4 ms at HZ=250), so ms figures are ±4`,
  ];
}

const probeAt = (port: number, service: string) => ({ host: '127.0.0.1', port, service, callsPerSecond: probeRate });

async function search(system: SystemUnderTest, options: Omit<SearchOptions, 'onStep'>): Promise<SearchResult> {
  console.log(`\n${system.name}`);
  console.log(STEP_HEADER);
  return searchRate(system, {
    ...options,
    onStep: (step, warmup) => {
      console.log(`${stepLine(step)}${warmup ? '  (warm-up, not judged)' : ''}`);
      if (step.probe) console.log(probeLine(step.probe));
      const detail = failureDetail(step);
      if (detail !== '' && (step.failed > 0 || step.unfinished > 0)) console.log(detail);
    },
  });
}

/** Waits for the worker's calls to drain after a step; reports what is left and the calls it refused as overloaded. */
function workerSettle(worker: RunningWorker): () => Promise<string> {
  const refusedSoFar = () => worker.metric('switchyard_call_rejections_total', { status: '503', reason: 'Service Unavailable - Overloaded' });
  let refusedBefore = 0;
  return async () => {
    const deadline = Date.now() + 3000;
    let active = await worker.metric('switchyard_active_calls');
    while (active > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      active = await worker.metric('switchyard_active_calls');
    }
    const refused = await refusedSoFar();
    const inStep = refused - refusedBefore;
    refusedBefore = refused;
    return `active calls ${active}${inStep > 0 ? `, ${inStep} refused as overloaded (503)` : ''}`;
  };
}

async function main(): Promise<void> {
  console.log('SIP worker bench: SIPp caller → X → SIPp callee on 127.0.0.1');
  for (const line of machineFacts()) console.log(`  ${line}`);
  console.log(`  before the bench the machine was busy with ${Math.round((await idleLoad()) * 100)}% of a core (a quiet machine shows a few %)`);
  const workDir = await mkdtemp(join(tmpdir(), 'switchyard-bench-calls-'));
  const callerPort = await freeUdpPort();
  const options = { rates, stepSeconds, callerPort, workDir, warmup: { rate: 200, calls: 1000 } };
  for (const port of [KAMAILIO_PORT, calleePort]) await assertUdpPortFree('127.0.0.1', port);
  const scenario = plainCaller();

  const kamailio = await startKamailio(kamailioConfig, workDir);
  let kamailioResult: SearchResult;
  try {
    kamailioResult = await search(
      { name: `Kamailio ${kamailioVersion() ?? ''} (stateful proxy, 1 child, TLSF, -m 2048) on 127.0.0.1:${KAMAILIO_PORT} (cpu: all its processes)`, remote: `127.0.0.1:${KAMAILIO_PORT}`, scenario, service: 'service', calleePort, pid: kamailio.pid, probe: probeAt(KAMAILIO_PORT, 'service') },
      options,
    );
  } finally {
    await kamailio.stop();
  }

  const webhook = await startWebhook(`sip:uas@127.0.0.1:${calleePort}`);
  let worker: RunningWorker | undefined;
  let workerResult: SearchResult;
  let digestResult: SearchResult;
  let directResult: SearchResult;
  let leftover: string;
  try {
    worker = await startWorker({ directory: benchRouting(webhook.base) }, BENCH_CARRIER, workDir, workerLogLevel);
    console.log(`\n(worker: sip-workers/src/main.ts in standalone mode, pid ${worker.pid}, SIP 127.0.0.1:${worker.sipPort}, LOG_LEVEL=${workerLogLevel}; webhook process pid ${webhook.pid})`);
    const remote = `127.0.0.1:${worker.sipPort}`;
    const common = { remote, calleePort, pid: worker.pid, helperPid: webhook.pid, reportRss: true, afterStep: workerSettle(worker) };
    workerResult = await search(
      { ...common, name: 'Switchyard worker: trunk call → webhook → <Dial><Sip> (cpu: the worker process; webhook: the customer app process)', scenario, service: benchNumber, probe: probeAt(worker.sipPort, benchNumber) },
      options,
    );
    digestResult = await search(
      {
        ...common,
        name: 'Switchyard worker: SipDomain call with digest authentication on every call (401, then INVITE with credentials)',
        scenario: authenticatingCaller(benchDomain, benchAgent.username, benchAgent.password), service: domainCallee,
        extraArgs: ['-auth_uri', `${domainCallee}@${benchDomain}`],
      },
      options,
    );
    // The worker stays up, idle, while the baseline runs: afterwards its calls should all be over.
    directResult = await search(
      { name: 'Direct: SIPp caller → SIPp callee, at the worker\'s rates (the baseline for the setup time the worker adds)', remote: `127.0.0.1:${calleePort}`, scenario, service: 'service', calleePort, probe: probeAt(calleePort, 'service') },
      { ...options, rates: workerResult.steps.map((step) => step.rate), keepGoing: true },
    );
    const heapMB = Math.round((await worker.metric('switchyard_worker_nodejs_heap_size_used_bytes')) / 1e6);
    leftover = `${await worker.metric('switchyard_active_calls')} active calls, ${heapMB} MB of heap in use, ${Math.round(processUsage(worker.pid).rssBytes / 1e6)} MB resident`;
  } finally {
    await worker?.stop();
    await webhook.stop();
  }

  console.log(`\nLatency through the worker by rate, from the probe (${probeRate} calls/s beside the load, microsecond clock); setup time added = minus the direct baseline at the same rate`);
  for (const line of latencyByRate(workerResult, directResult)) console.log(line);
  console.log(`  worker after the runs and the baseline: ${leftover}`);
  const busiest = Math.max(...[kamailioResult, workerResult, digestResult].flatMap((result) => result.steps.map((step) => step.foreignCpuShare)));
  if (busiest > 0.15) console.log(`  NOTE: other work on this machine used up to ${Math.round(busiest * 100)}% of a core during a step (column "others"): figures from those steps, and verdicts that rest on them, understate both systems; rerun on a quiet machine`);

  console.log('\nVerdicts');
  for (const verdict of verdicts(kamailioResult, workerResult, digestResult, directResult)) console.log(verdictLine(verdict));
  const failedSomewhere = [kamailioResult, workerResult, digestResult].some((result) => !result.capped);
  if (failedSomewhere && process.env.BENCH_KEEP !== '0') console.log(`\nSIPp traces and the worker's log are kept in ${workDir}`);
  else await rm(workDir, { recursive: true, force: true });
}

await main();
