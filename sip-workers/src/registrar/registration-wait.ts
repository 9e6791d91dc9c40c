// Waiting for a woken phone's REGISTER (RFC 8599 §5.6.2: push, then wait for the UA to refresh
// its binding before forwarding). The REGISTER may reach any replica, so the wait reads the
// shared store: every interval it looks the AOR up and returns the bindings written since it
// began. Polling rather than Redis pub/sub: one single-key script per call waiting (a handful of
// calls at once, for seconds), no second connection in subscriber mode to keep alive, no message
// lost between subscribing and the push going out, and it works unchanged on Redis Cluster.
import { setTimeout as sleep } from 'node:timers/promises';
import type { CurrentBinding } from './binding.ts';

/** What makes a binding "new": a REGISTER rewrites its Call-ID or CSeq, or adds it. */
export const registrationMark = (binding: CurrentBinding) => `${binding.id}\u0000${binding.callId}\u0000${binding.cseq}`;

export interface RegistrationWait {
  /** Marks (registrationMark) of what the store held before the push went out. */
  known: ReadonlySet<string>;
  timeoutMs: number;
  signal: AbortSignal;
  /** Between lookups; default 200 ms. */
  intervalMs?: number;
}

export type RegistrationWaitResult<T> = { kind: 'registered'; found: T } | { kind: 'timeout' } | { kind: 'cancelled' };

/**
 * Calls `lookup` until it yields something for the bindings not in `known` (`pick` returns
 * undefined to keep waiting), the time runs out or the signal aborts. A lookup that fails (the
 * store briefly unreachable) is tried again next interval.
 */
export async function waitForRegistration<B extends CurrentBinding, T>(
  lookup: () => Promise<B[]>,
  pick: (fresh: B[]) => T | undefined,
  wait: RegistrationWait,
): Promise<RegistrationWaitResult<T>> {
  const until = Date.now() + wait.timeoutMs;
  const interval = wait.intervalMs ?? 200;
  while (!wait.signal.aborted) {
    const bindings = await lookup().catch((): B[] => []);
    if (wait.signal.aborted) break;
    const found = pick(bindings.filter((binding) => !wait.known.has(registrationMark(binding))));
    if (found !== undefined) return { kind: 'registered', found };
    const left = until - Date.now();
    if (left <= 0) return { kind: 'timeout' };
    await sleep(Math.min(interval, left), undefined, { signal: wait.signal }).catch(() => undefined);
  }
  return { kind: 'cancelled' };
}
