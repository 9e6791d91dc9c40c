// The rate search: the same SIPp caller at rising rates through one system (Kamailio, the worker,
// or straight to the callee), a few seconds and a bounded number of calls per step, stopping at
// the first step where any call failed or did not finish. A fresh SIPp callee serves each step so
// a failed step leaves nothing behind for the next one.
import { startProbe } from './latency-probe.ts';
import type { ProbeOptions, ProbeResult } from './latency-probe.ts';
import type { CallerResult } from './sipp-load.ts';
import { runCaller, startCallee } from './sipp-load.ts';
import { machineBusySeconds, ownAndReapedCpuSeconds, processUsage, udpReceiveBufferErrors } from './process-usage.ts';
import type { Usage } from './process-usage.ts';

export interface SystemUnderTest {
  name: string;
  remote: string;
  scenario: string;
  service: string;
  calleePort: number;
  extraArgs?: string[];
  /** Processes whose CPU is the system's (the worker, or Kamailio's main process and its children). */
  pid?: number;
  /** Helpers the system needs that are not the system (the webhook process), reported apart. */
  helperPid?: number;
  /** Resident memory is meaningful (not for Kamailio, whose processes share a 2 GB segment). */
  reportRss?: boolean;
  /** Where the latency probe calls (see latency-probe.ts); absent: no probe. */
  probe?: ProbeOptions;
  /** After each step: wait for the system to settle and say what is left (e.g. active calls). */
  afterStep?: () => Promise<string>;
}

export interface Step extends CallerResult {
  /** Share of one core the system used during the step. */
  cpuShare?: number;
  helperCpuShare?: number;
  /** Cores' worth of CPU the load generator used: SIPp's caller and callee, and the bench process with its latency probe. */
  loadCpuShare: number;
  /** Cores' worth of CPU used by processes that are not the bench's (other work on the machine). */
  foreignCpuShare: number;
  probe?: ProbeResult;
  /** UDP datagrams the kernel dropped on a full receive buffer during the step (any socket). */
  udpDrops: number;
  rssBytes?: number;
  after?: string;
}

export interface SearchResult {
  system: string;
  steps: Step[];
  /** The highest rate at which every call succeeded (0 if none). */
  best: number;
  /** True when no step failed, so the real limit is above the top step. */
  capped: boolean;
}

export const passed = (step: CallerResult): boolean => step.failed === 0 && step.unfinished === 0 && step.successful === step.calls;

export interface SearchOptions {
  rates: readonly number[];
  stepSeconds: number;
  callerPort: number;
  workDir: string;
  /** Run every rate even after a failure (for baselines measured at someone else's rates). */
  keepGoing?: boolean;
  /** A step run first and left out of the search, so JIT compilation and caches are warm (calls at rate). */
  warmup?: { rate: number; calls: number };
  onStep?: (step: Step, warmup: boolean) => void;
}

async function runStep(system: SystemUnderTest, options: SearchOptions, rate: number, calls: number): Promise<Step> {
  const callee = await startCallee(system.calleePort, options.workDir);
  const usageOf = (pid: number | undefined) => (pid === undefined ? undefined : processUsage(pid));
  const before = { system: usageOf(system.pid), helper: usageOf(system.helperPid), machine: machineBusySeconds(), own: ownAndReapedCpuSeconds(), drops: udpReceiveBufferErrors() };
  let result: CallerResult;
  let probe: ProbeResult | undefined;
  try {
    const probing = system.probe === undefined ? undefined : await startProbe(system.probe);
    result = await runCaller({
      scenario: system.scenario,
      remote: system.remote,
      localPort: options.callerPort,
      rate,
      calls,
      service: system.service,
      workDir: options.workDir,
      ...(system.extraArgs === undefined ? {} : { extraArgs: system.extraArgs }),
    });
    probe = await probing?.stop();
  } finally {
    await callee.stop();
  }
  const after = { system: usageOf(system.pid), helper: usageOf(system.helperPid), machine: machineBusySeconds(), own: ownAndReapedCpuSeconds(), drops: udpReceiveBufferErrors() };
  const seconds = result.elapsedMs / 1000;
  const spent = (a: Usage | undefined, b: Usage | undefined) => (a === undefined || b === undefined ? undefined : b.cpuSeconds - a.cpuSeconds);
  const systemCpu = spent(before.system, after.system);
  const helperCpu = spent(before.helper, after.helper);
  const loadCpu = after.own - before.own;
  const ours = loadCpu + (systemCpu ?? 0) + (helperCpu ?? 0);
  return {
    ...result,
    loadCpuShare: loadCpu / seconds,
    foreignCpuShare: Math.max(0, (after.machine - before.machine - ours) / seconds),
    udpDrops: after.drops - before.drops,
    ...(probe === undefined ? {} : { probe }),
    ...(systemCpu === undefined ? {} : { cpuShare: systemCpu / seconds }),
    ...(helperCpu === undefined ? {} : { helperCpuShare: helperCpu / seconds }),
    ...(after.system && system.reportRss ? { rssBytes: after.system.rssBytes } : {}),
    ...(system.afterStep ? { after: await system.afterStep() } : {}),
  };
}

export async function searchRate(system: SystemUnderTest, options: SearchOptions): Promise<SearchResult> {
  if (options.warmup) options.onStep?.(await runStep(system, options, options.warmup.rate, options.warmup.calls), true);
  const steps: Step[] = [];
  for (const rate of options.rates) {
    const step = await runStep(system, options, rate, Math.round(rate * options.stepSeconds));
    steps.push(step);
    options.onStep?.(step, false);
    if (!passed(step) && !options.keepGoing) break;
  }
  const firstFailure = steps.findIndex((step) => !passed(step));
  const passing = firstFailure === -1 ? steps : steps.slice(0, firstFailure);
  return { system: system.name, steps, best: passing.at(-1)?.rate ?? 0, capped: firstFailure === -1 };
}
