// How fast each account may place calls through the REST API on this worker: a token bucket per
// account, refilled at `perSecond` and holding twice that, so a burst of a few calls goes through
// at once and a leaked auth token cannot place thousands a minute. Only authenticated accounts
// get a bucket, so the map is bounded by the carrier's accounts.
export class AccountRateLimit {
  readonly #perSecond: number;
  readonly #capacity: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(perSecond: number, now: () => number = Date.now) {
    this.#perSecond = perSecond;
    // At least one call, or a rate under 0.5 a second would never let any through.
    this.#capacity = Math.max(1, 2 * perSecond);
    this.#now = now;
  }

  /** Takes one call for the account: undefined when it may go, else the seconds until it may (Retry-After). */
  take(accountSid: string): number | undefined {
    const now = this.#now();
    const bucket = this.#buckets.get(accountSid) ?? { tokens: this.#capacity, at: now };
    bucket.tokens = Math.min(this.#capacity, bucket.tokens + ((now - bucket.at) / 1000) * this.#perSecond);
    bucket.at = now;
    this.#buckets.set(accountSid, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.#perSecond));
  }
}
