// Bounded retries for answers worth repeating (429, 5xx, no answer): exponential backoff with
// jitter, the gateway's Retry-After when it gives one, and never past the call's deadline,
// since a phone woken after the caller was turned away rings for nothing.
import type { GatewayAttempt, PushOutcome } from './gateway-outcome.ts';

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface Clock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export async function sendWithRetries(attempt: () => Promise<GatewayAttempt>, policy: RetryPolicy, deadlineMs: number, clock: Clock): Promise<{ outcome: PushOutcome; attempts: number }> {
  let last: PushOutcome = { kind: 'unavailable', reason: 'NotAttempted' };
  for (let attempts = 1; attempts <= policy.maxAttempts; attempts++) {
    const { outcome } = await attempt();
    if (outcome.kind !== 'retry') return { outcome, attempts };
    last = { kind: 'unavailable', reason: outcome.reason, ...(outcome.detail === undefined ? {} : { detail: outcome.detail }) };
    if (attempts === policy.maxAttempts) return { outcome: last, attempts };
    const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempts - 1) * (0.5 + clock.random()));
    const delay = outcome.retryAfterMs ?? backoff;
    if (clock.now() + delay > deadlineMs) return { outcome: last, attempts };
    await clock.sleep(delay);
  }
  return { outcome: last, attempts: policy.maxAttempts };
}
