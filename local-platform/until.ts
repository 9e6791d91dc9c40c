// Polling with a deadline and a way out: every wait of `make run` ends when Ctrl-C arrives.
/** Thrown from a check, ends the wait at once (a process it waits for has died). */
export class GiveUp extends Error {}
export class Interrupted extends GiveUp {}

export interface UntilOptions {
  timeoutMs: number;
  signal: AbortSignal;
  intervalMs?: number;
  /** What was seen last, for the timeout message. */
  lastSeen?: () => string | undefined;
}

export async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, options: UntilOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (options.signal.aborted) throw new Interrupted(`interrupted while waiting for ${what}`);
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof GiveUp) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      const seen = options.lastSeen?.();
      throw new Error(`timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${what}${seen ? `; last seen: ${seen}` : ''}${lastError instanceof Error ? `; last error: ${lastError.message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
  }
}
