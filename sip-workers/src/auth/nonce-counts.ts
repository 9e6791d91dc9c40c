// Replay protection for self-validating nonces: the highest nonce-count accepted per nonce.
// Entries are added only after a correct digest, so only clients that know an HA1 spend memory
// here; the table is still capped. A nonce pushed out by the cap is not forgotten silently: every
// nonce issued up to the newest evicted one is then answered "stale", which costs an honest
// client one extra challenge and never lets a replay through.

export type NonceUse = 'accepted' | 'replay' | 'forgotten';

interface Entry {
  issuedAt: number;
  /** Highest nc accepted; Infinity after an RFC 2069 (no qop) use, which may happen only once. */
  nc: number;
}

export class NonceCounts {
  readonly #capacity: number;
  readonly #lifetimeMs: number;
  // A Map iterates in insertion order; re-inserting on use keeps the least recently used first.
  readonly #entries = new Map<string, Entry>();
  #forgottenUpTo = -Infinity;

  constructor(options: { capacity: number; lifetimeMs: number }) {
    this.#capacity = Math.max(1, options.capacity);
    this.#lifetimeMs = options.lifetimeMs;
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Records a use of an unexpired nonce whose digest was correct. `nc` is the nonce-count of a
   * qop=auth request, undefined for RFC 2069 requests.
   */
  use(nonce: string, issuedAt: number, nc: number | undefined, now: number): NonceUse {
    const previous = this.#entries.get(nonce);
    if (previous === undefined && issuedAt <= this.#forgottenUpTo) return 'forgotten';
    if (previous !== undefined && (nc === undefined || nc <= previous.nc)) return 'replay';
    this.#entries.delete(nonce);
    this.#entries.set(nonce, { issuedAt, nc: nc ?? Infinity });
    this.#prune(now);
    return 'accepted';
  }

  #prune(now: number): void {
    for (const [nonce, entry] of this.#entries) {
      // Expired nonces are refused as stale before their count is consulted, so they can go without a trace.
      if (entry.issuedAt + this.#lifetimeMs < now) this.#entries.delete(nonce);
      else if (this.#entries.size > this.#capacity) {
        this.#entries.delete(nonce);
        this.#forgottenUpTo = Math.max(this.#forgottenUpTo, entry.issuedAt);
      } else break;
    }
  }
}
