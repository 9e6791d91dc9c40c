// Printing the bench: a line per step as it finishes, then the figures against their targets.
import type { ProbeResult } from './latency-probe.ts';
import { percentile } from './rtt-stats.ts';
import type { SearchResult, Step } from './rate-search.ts';
import { passed } from './rate-search.ts';

export const RTD_TRYING = 1;
export const RTD_ANSWER = 2;

const fmt = (value: number | undefined) => (value === undefined ? '-' : String(Math.round(value)));
const pct = (step: Step, rtd: number) => {
  const samples = step.rtt.get(rtd) ?? [];
  return `${fmt(percentile(samples, 50))}/${fmt(percentile(samples, 99))}`;
};

export const STEP_HEADER = '    rate   calls      ok  failed  unfin  retrans  drops  achieved  100 p50/p99 ms  200 p50/p99 ms    cpu  webhook   load  others     rss  after';

const share = (value: number | undefined) => (value === undefined ? '-' : `${Math.round(value * 100)}%`);

export function stepLine(step: Step): string {
  const cells = [
    String(step.rate).padStart(8),
    String(step.calls).padStart(7),
    String(step.successful).padStart(7),
    String(step.failed).padStart(7),
    String(step.unfinished).padStart(6),
    String(step.retransmissions).padStart(8),
    String(step.udpDrops).padStart(6),
    step.achievedRate.toFixed(0).padStart(9),
    pct(step, RTD_TRYING).padStart(15),
    pct(step, RTD_ANSWER).padStart(15),
    share(step.cpuShare).padStart(6),
    share(step.helperCpuShare).padStart(8),
    share(step.loadCpuShare).padStart(6),
    share(step.foreignCpuShare).padStart(7),
    (step.rssBytes === undefined ? '-' : `${Math.round(step.rssBytes / 1e6)}MB`).padStart(7),
    ` ${step.after ?? ''}${passed(step) ? '' : '  FAILED'}`,
  ];
  return cells.join(' ');
}

const probeMs = (samples: readonly number[], p: number) => percentile(samples, p)?.toFixed(2) ?? '-';

export function probeLine(probe: ProbeResult): string {
  return `      probe: ${probe.answer.length} calls answered${probe.lost > 0 ? `, ${probe.lost} lost` : ''}; 100 p50/p99 ${probeMs(probe.trying, 50)}/${probeMs(probe.trying, 99)} ms, 200 p50/p99 ${probeMs(probe.answer, 50)}/${probeMs(probe.answer, 99)} ms`;
}

export function failureDetail(step: Step): string {
  return step.errors === '' ? '' : step.errors.split('\n').map((line) => `      | ${line}`).join('\n');
}

export const bestText = (result: SearchResult) => `${result.best} CPS${result.capped ? ' (no step failed: the limit is at or above the top step)' : ''}`;

/** The step at a rate, if that rate was run. */
export const stepAt = (result: SearchResult, rate: number) => result.steps.find((step) => step.rate === rate);

export function rttPercentile(step: Step | undefined, rtd: number, p: number): number | undefined {
  return step === undefined ? undefined : percentile(step.rtt.get(rtd) ?? [], p);
}

export interface Verdict {
  target: string;
  met: boolean;
  detail: string;
}

export function verdictLine(verdict: Verdict): string {
  return `  ${verdict.met ? 'MET   ' : 'MISSED'}  ${verdict.target}: ${verdict.detail}`;
}
