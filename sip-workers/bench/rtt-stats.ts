// Reading what SIPp wrote: the -trace_rtt samples (one line per response-time measurement) and
// the last line of the -trace_stat counters. Pure functions over the files' text.

/** SIPp's response times per rtd number, in ms, as it measured them (its clock ticks at the kernel's HZ). */
export function parseRttCsv(text: string): Map<number, number[]> {
  const samples = new Map<number, number[]>();
  for (const line of text.split('\n').slice(1)) {
    const [, ms, rtd] = line.split(';');
    if (ms === undefined || rtd === undefined) continue;
    const key = Number(rtd);
    const list = samples.get(key) ?? [];
    list.push(Number(ms));
    samples.set(key, list);
  }
  return samples;
}

/** The final cumulative counters of a -trace_stat file, by column name (e.g. 'FailedCall(C)'). */
export function parseStatCsv(text: string): Map<string, string> {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const header = lines[0]?.split(';') ?? [];
  const last = lines.at(-1)?.split(';') ?? [];
  return new Map(header.map((name, i) => [name, last[i] ?? '']));
}

/** Nearest-rank percentile (p in 0..100) of unsorted samples; undefined for none. */
export function percentile(samples: readonly number[], p: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
