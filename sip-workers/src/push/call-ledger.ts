// Remembers each push by call and device for a while, so a worker that retries (its request timed
// out, the connection broke) gets the first request's answer instead of a second push: a phone
// rung twice for one call shows two incoming calls. Entries are kept in arrival order, so the
// oldest are dropped first when they expire or the ledger is full.
export class CallLedger<T> {
  readonly #entries = new Map<string, { result: Promise<T>; at: number }>();
  readonly #keepMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(keepMs: number, maxEntries: number, now: () => number) {
    this.#keepMs = keepMs;
    this.#maxEntries = maxEntries;
    this.#now = now;
  }

  /** The first result for `key` while it is remembered; otherwise starts one with `run`. */
  once(key: string, run: () => Promise<T>): { result: Promise<T>; duplicate: boolean } {
    this.#forgetOld();
    const known = this.#entries.get(key);
    if (known) return { result: known.result, duplicate: true };
    const result = run();
    this.#entries.set(key, { result, at: this.#now() });
    return { result, duplicate: false };
  }

  get size(): number {
    return this.#entries.size;
  }

  #forgetOld(): void {
    const oldest = this.#now() - this.#keepMs;
    for (const [key, entry] of this.#entries) {
      if (entry.at >= oldest && this.#entries.size < this.#maxEntries) break;
      this.#entries.delete(key);
    }
  }
}
