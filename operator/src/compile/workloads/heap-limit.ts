// Node sizes V8's heap from the memory it may use, a cgroup limit included: about half of it (a
// 512 MB limit gives a ~259 MB heap on Node 24). The transactions of a SIP worker's finished calls,
// which RFC 6026 keeps 32 s (7–10 KB a call, see sip-workers/README.md), fill that well before the
// worker's CPU is used up: with 256 MiB the bench's worker needed 2.3 ms of CPU a call at 300
// calls a second (the collector) and fell behind at 500. With a memory limit the worker gets 70%
// of it as old space; the rest is for V8's young generation, buffers, code and the process itself.
import type { V1EnvVar } from '@kubernetes/client-node';

const HEAP_SHARE_OF_LIMIT = 0.7;
const MIN_HEAP_MIB = 64;

const SUFFIX_BYTES: Readonly<Record<string, number>> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, m: 1e-3,
};

/** Bytes in a Kubernetes quantity (`512Mi`, `1G`, `1.5Gi`, `2e9`, 536870912); undefined if unreadable. */
export function quantityBytes(quantity: number | string): number | undefined {
  if (typeof quantity === 'number') return quantity;
  const match = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[kMGTPEm]|[eE][+-]?\d+)?$/.exec(quantity);
  if (!match) return undefined;
  const [, number = '', suffix = ''] = match;
  if (/^[eE]/.test(suffix)) return Number(`${number}${suffix}`);
  return Number(number) * (SUFFIX_BYTES[suffix] ?? 1);
}

/** NODE_OPTIONS giving V8 70% of the container's memory limit as old space; nothing without a limit. */
export function heapLimitEnv(memoryLimit: number | string | undefined): V1EnvVar[] {
  const bytes = memoryLimit === undefined ? undefined : quantityBytes(memoryLimit);
  if (bytes === undefined || bytes <= 0) return [];
  const mebibytes = Math.max(MIN_HEAP_MIB, Math.floor((bytes * HEAP_SHARE_OF_LIMIT) / 2 ** 20));
  return [{ name: 'NODE_OPTIONS', value: `--max-old-space-size=${mebibytes}` }];
}
