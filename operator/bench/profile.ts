// `--profile`: samples the operator's /metrics once a second during a benchmark phase and prints
// where its time and memory went (compile vs. the whole pass, heap vs. RSS, CPU), to find the
// cause of a slow figure before changing code.
import { readFileSync } from 'node:fs';
import type { BenchOperator } from './operator-process.ts';

const prefix = 'switchyard_operator_';
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

/** CPU seconds a process has used (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function residentBytes(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Number(kb ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** The control plane's processes, to show how busy the API server was (it is often the bottleneck). */
export const controlPlane: { pids: number[]; names: string[] } = { pids: [], names: [] };

export interface PhaseProfile {
  stop(): Promise<void>;
}

export function profilePhase(operator: BenchOperator, phase: string, enabled: boolean): PhaseProfile {
  if (!enabled) return { stop: () => Promise.resolve() };
  const startedAt = performance.now();
  const planeCpu = controlPlane.pids.map(cpuSeconds);
  let first: Map<string, number> | undefined;
  let last: Map<string, number> | undefined;
  const peak = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0 };
  const sample = async () => {
    const values = await operator.samples().catch(() => undefined);
    if (!values) return;
    first ??= values;
    last = values;
    peak.rss = Math.max(peak.rss, values.get(`${prefix}process_resident_memory_bytes`) ?? 0);
    peak.heapUsed = Math.max(peak.heapUsed, values.get(`${prefix}nodejs_heap_size_used_bytes`) ?? 0);
    peak.heapTotal = Math.max(peak.heapTotal, values.get(`${prefix}nodejs_heap_size_total_bytes`) ?? 0);
    peak.external = Math.max(peak.external, values.get(`${prefix}nodejs_external_memory_bytes`) ?? 0);
  };
  void sample();
  const timer = setInterval(() => void sample(), 1000);
  return {
    async stop() {
      clearInterval(timer);
      await sample();
      if (!first || !last) return;
      const delta = (name: string) => (last?.get(name) ?? 0) - (first?.get(name) ?? 0);
      const passes = delta('switchyard_reconcile_duration_seconds_count');
      const meanMs = (verb: string, lane: string) => {
        const labels = `{verb="${verb}",lane="${lane}"}`;
        const count = delta(`switchyard_api_request_duration_seconds_count${labels}`);
        return count > 0 ? `${((delta(`switchyard_api_request_duration_seconds_sum${labels}`) / count) * 1000).toFixed(0)} ms` : '-';
      };
      const line = [
        `passes ${passes}`,
        `compile ${delta('switchyard_compile_duration_seconds_sum').toFixed(1)} s (mean ${((delta('switchyard_compile_duration_seconds_sum') / Math.max(1, passes)) * 1000).toFixed(0)} ms)`,
        `pass ${delta('switchyard_reconcile_duration_seconds_sum').toFixed(1)} s (mean ${((delta('switchyard_reconcile_duration_seconds_sum') / Math.max(1, passes)) * 1000).toFixed(0)} ms)`,
        `operator CPU ${delta(`${prefix}process_cpu_seconds_total`).toFixed(1)} s`,
        `writes apply ${delta('switchyard_writes_total{operation="apply"}')} status ${delta('switchyard_writes_total{operation="status"}')}`,
        `mean PATCH latency routing ${meanMs('PATCH', 'foreground')} status ${meanMs('PATCH', 'background')}`,
        `GC major ${delta(`${prefix}nodejs_gc_duration_seconds_sum{kind="major"}`).toFixed(1)} s minor ${delta(`${prefix}nodejs_gc_duration_seconds_sum{kind="minor"}`).toFixed(1)} s`,
        `peak RSS ${mb(peak.rss)}, heap used ${mb(peak.heapUsed)} of ${mb(peak.heapTotal)}, external ${mb(peak.external)}`,
      ];
      const elapsed = (performance.now() - startedAt) / 1000;
      const plane = controlPlane.pids.map((pid, i) => `${controlPlane.names[i] ?? pid} ${((cpuSeconds(pid) - (planeCpu[i] ?? 0)) / elapsed).toFixed(2)}`);
      line.push(`control plane cores busy: ${plane.join(', ')}`);
      // The API server keeps every object decoded in its watch cache: its heap, and so its garbage
      // collector's work, grows with the object count.
      line.push(`control plane RSS: ${controlPlane.pids.map((pid, i) => `${controlPlane.names[i] ?? pid} ${mb(residentBytes(pid))}`).join(', ')}`);
      console.log(`  [profile ${phase}] ${line.join('; ')}`);
    },
  };
}
