// The figures the bench is judged by, from the rate searches: rates and their ratios, and the
// latencies at the worker's highest zero-failure rate. Latencies come from the probe (a
// microsecond clock) and, as a cross-check, from SIPp's rtd timers (whole 4 ms ticks).
import { percentile } from './rtt-stats.ts';
import type { ProbeResult } from './latency-probe.ts';
import type { SearchResult, Step } from './rate-search.ts';
import { passed } from './rate-search.ts';
import { bestText, RTD_ANSWER, RTD_TRYING, rttPercentile, stepAt } from './report.ts';
import type { Verdict } from './report.ts';

export const targets = { rateRatio: 0.5, addedSetupP99Ms: 10, tryingP99Ms: 10, digestRatio: 0.5 };

const subtract = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : a - b);
const ms = (value: number | undefined, digits = 0) => (value === undefined ? '?' : `${value.toFixed(digits)} ms`);
const probeP = (step: Step | undefined, which: keyof Omit<ProbeResult, 'lost'>, p: number) => (step?.probe ? percentile(step.probe[which], p) : undefined);

/** Setup time through the worker minus caller → callee direct at the same rate: from the probe, and from SIPp. */
function added(step: Step | undefined, direct: SearchResult, p: number): { probe?: number; sipp?: number } {
  const base = step === undefined ? undefined : stepAt(direct, step.rate);
  const probe = subtract(probeP(step, 'answer', p), probeP(base, 'answer', p));
  const sipp = subtract(rttPercentile(step, RTD_ANSWER, p), rttPercentile(base, RTD_ANSWER, p));
  return { ...(probe === undefined ? {} : { probe }), ...(sipp === undefined ? {} : { sipp }) };
}

/** Below this share of the asked rate, SIPp could not keep its pace: the step passed, but the system fell behind. */
const KEPT_PACE = 0.97;

/** Says so when the step a rate stands on was not driven at its rate (nothing failed within the step, but calls queued). */
function paceCaveat(result: SearchResult): string {
  const step = stepAt(result, result.best);
  if (step === undefined || step.achievedRate >= KEPT_PACE * step.rate) return '';
  return `; at ${result.best} CPS SIPp achieved only ${step.achievedRate.toFixed(0)}/s: it fell behind though no call failed, so that rate is past what it sustains`;
}

/** The probe's figure when it has one (precise), else SIPp's. */
const best = (figure: { probe?: number; sipp?: number }) => figure.probe ?? figure.sipp;

/** One line per worker rate: what the latency targets look like as the rate rises. */
export function latencyByRate(worker: SearchResult, direct: SearchResult): string[] {
  return worker.steps.map((step) => {
    const a50 = added(step, direct, 50);
    const a99 = added(step, direct, 99);
    const failed = passed(step) ? '' : '  (calls failed)';
    return `    ${String(step.rate).padStart(5)} CPS: added setup p50 ${ms(a50.probe, 1)}, p99 ${ms(a99.probe, 1)}; 100 Trying p50 ${ms(probeP(step, 'trying', 50), 1)}, p99 ${ms(probeP(step, 'trying', 99), 1)}`
      + `   [SIPp, ±4 ms: added p50 ${ms(a50.sipp)}, p99 ${ms(a99.sipp)}; Trying p99 ${ms(rttPercentile(step, RTD_TRYING, 99))}]${failed}`;
  });
}

export function verdicts(kamailio: SearchResult, worker: SearchResult, digest: SearchResult, direct: SearchResult): Verdict[] {
  const ratio = kamailio.best === 0 ? 0 : worker.best / kamailio.best;
  const atBest = stepAt(worker, worker.best);
  const added50 = added(atBest, direct, 50);
  const added99 = added(atBest, direct, 99);
  const trying99 = probeP(atBest, 'trying', 99) ?? rttPercentile(atBest, RTD_TRYING, 99);
  const digestRatio = worker.best === 0 ? 0 : digest.best / worker.best;
  const digestAtBest = stepAt(digest, digest.best);
  // The highest rate at which a latency target still holds, for a reader weighing rate against latency.
  const holdsUpTo = (holds: (step: Step) => boolean) => {
    const rate = worker.steps.filter((step) => passed(step) && holds(step)).at(-1)?.rate;
    return rate === undefined ? 'at no rate' : `up to ${rate} CPS`;
  };
  const addedHolds = (step: Step) => (best(added(step, direct, 99)) ?? Infinity) < targets.addedSetupP99Ms;
  const tryingHolds = (step: Step) => (probeP(step, 'trying', 99) ?? rttPercentile(step, RTD_TRYING, 99) ?? Infinity) < targets.tryingP99Ms;
  return [
    {
      target: `worker rate ≥ ${targets.rateRatio} × Kamailio's`,
      met: worker.best > 0 && ratio >= targets.rateRatio,
      detail: `worker ${bestText(worker)}, Kamailio ${bestText(kamailio)}: ratio ${ratio.toFixed(2)}${kamailio.capped ? ' (Kamailio capped by the top step: the true ratio is at most this)' : ''}${paceCaveat(worker)}${paceCaveat(kamailio)}`,
    },
    {
      target: `p99 setup time the worker adds < ${targets.addedSetupP99Ms} ms`,
      met: (best(added99) ?? Infinity) < targets.addedSetupP99Ms,
      detail: `at ${worker.best} CPS, INVITE→200 through the worker minus caller→callee direct at the same rate, probe: p50 ${ms(added50.probe, 1)}, p99 ${ms(added99.probe, 1)}`
        + ` (SIPp: p50 ${ms(added50.sipp)}, p99 ${ms(added99.sipp)}); holds ${holdsUpTo(addedHolds)}`,
    },
    {
      target: `p99 time to 100 Trying < ${targets.tryingP99Ms} ms`,
      met: (trying99 ?? Infinity) < targets.tryingP99Ms,
      detail: `at ${worker.best} CPS, probe: p50 ${ms(probeP(atBest, 'trying', 50), 1)}, p99 ${ms(probeP(atBest, 'trying', 99), 1)}`
        + ` (SIPp: p50 ${ms(rttPercentile(atBest, RTD_TRYING, 50))}, p99 ${ms(rttPercentile(atBest, RTD_TRYING, 99))}); holds ${holdsUpTo(tryingHolds)}`,
    },
    {
      target: `digest-authenticated rate ≥ ${targets.digestRatio} × unauthenticated`,
      met: digest.best > 0 && digestRatio >= targets.digestRatio,
      detail: `${bestText(digest)} with a 401 challenge on every call vs ${worker.best} CPS: ratio ${digestRatio.toFixed(2)}`
        + `; its SIPp setup p50/p99 ${ms(rttPercentile(digestAtBest, RTD_ANSWER, 50))}/${ms(rttPercentile(digestAtBest, RTD_ANSWER, 99))} (two INVITE round trips)`,
    },
  ];
}
