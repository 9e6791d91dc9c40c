// Keys of changed objects, de-duplicated: an object that changes ten times before the next
// reconcile is one entry. A key that failed comes back after an exponential backoff.
export class WorkQueue {
  private readonly ready = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, ReturnType<typeof setTimeout>>();
  private waiter: (() => void) | undefined;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(options: { baseDelayMs: number; maxDelayMs: number }) {
    this.baseDelayMs = options.baseDelayMs;
    this.maxDelayMs = options.maxDelayMs;
  }

  add(key: string): void {
    this.ready.add(key);
    this.waiter?.();
  }

  /** Re-adds a failed key after base·2^failures, capped. */
  retry(key: string): number {
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (failures - 1));
    if (!this.delayed.has(key)) {
      this.delayed.set(key, setTimeout(() => {
        this.delayed.delete(key);
        this.add(key);
      }, delay));
    }
    return delay;
  }

  /** Forgets a key's failures once it has been handled successfully. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Keys that could be taken now (not backing off). */
  get readyCount(): number {
    return this.ready.size;
  }

  get depth(): number {
    return this.ready.size + this.delayed.size;
  }

  /** Waits for at least one key, then takes every ready key at once. */
  async takeAll(signal: AbortSignal): Promise<string[]> {
    while (this.ready.size === 0 && !signal.aborted) {
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
      this.waiter = undefined;
    }
    const keys = [...this.ready];
    this.ready.clear();
    return keys;
  }

  shutDown(): void {
    for (const timer of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
  }
}
