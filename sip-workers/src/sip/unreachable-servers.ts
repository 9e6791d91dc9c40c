// Servers that lately failed to take a request: no response, no connection, or a 503 with
// Retry-After (RFC 3261 §21.5.4). A call that located several servers (RFC 3263) tries these
// after the others until the mark lapses, so a dead primary costs one call its progress timeout
// rather than every call, as Kamailio's dst_blacklist does. Per worker and in memory; a marked
// server is never skipped, only tried later, and any answer from it clears the mark.
import type { Destination } from './response-routing.ts';

/** transport:address:port, as a server is keyed here and named in logs. */
export const serverName = (destination: Destination) => `${destination.transport}:${destination.address}:${destination.port}`;

export interface UnreachableServersOptions {
  /** How long a silent or unreachable server is tried last. Default 30 s. */
  markMs?: number;
  /** A 503's Retry-After is honoured up to this. Default 300 s. */
  maxMarkMs?: number;
  /** Past this many marks the oldest go: memory stays bounded whatever DNS returns. */
  maxEntries?: number;
  now?: () => number;
}

export class UnreachableServers {
  readonly #until = new Map<string, number>();
  readonly #markMs: number;
  readonly #maxMarkMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: UnreachableServersOptions = {}) {
    this.#markMs = options.markMs ?? 30_000;
    this.#maxMarkMs = options.maxMarkMs ?? 300_000;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** `forMs`: a 503's Retry-After; absent, the default for a server that did not answer. */
  mark(destination: Destination, forMs = this.#markMs): void {
    const key = serverName(destination);
    this.#until.delete(key);
    this.#until.set(key, this.#now() + Math.min(forMs, this.#maxMarkMs));
    if (this.#until.size > this.#maxEntries) {
      const oldest = this.#until.keys().next();
      if (!oldest.done) this.#until.delete(oldest.value);
    }
  }

  clear(destination: Destination): void {
    this.#until.delete(serverName(destination));
  }

  isMarked(destination: Destination): boolean {
    const key = serverName(destination);
    const until = this.#until.get(key);
    if (until === undefined) return false;
    if (until > this.#now()) return true;
    this.#until.delete(key);
    return false;
  }

  /** The servers unmarked first, each group in the order given (DNS's priority and weight). */
  order(destinations: readonly Destination[]): Destination[] {
    const marked = destinations.filter((destination) => this.isMarked(destination));
    return marked.length === 0 ? [...destinations] : [...destinations.filter((destination) => !marked.includes(destination)), ...marked];
  }

  get size(): number {
    return this.#until.size;
  }
}
