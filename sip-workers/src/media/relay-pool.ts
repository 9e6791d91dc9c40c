// Which rtpengine a new call is anchored on. SWITCHYARD_MEDIA_RELAY names the relays' headless
// Service (or one address when standalone): the name resolves to every relay pod, calls are spread
// over them in turn, and a relay that just failed to answer is passed over for a while so the next
// calls do not wait on it too. A call stays on the relay that took its offer until it ends.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { NgAddress } from './ng-client.ts';

export interface RelayTarget {
  host: string;
  port: number;
}

/** Parses "host:port" or "[v6]:port"; undefined when it is not one. */
export function parseRelayTarget(text: string): RelayTarget | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host, port };
}

export interface RelayPoolOptions {
  /** How long resolved addresses are used before the name is looked up again. */
  resolveTtlMs?: number;
  /** How long a relay that did not answer is passed over. */
  quarantineMs?: number;
  now?: () => number;
  resolve?: (host: string) => Promise<string[]>;
}

const resolveAll = async (host: string) => (await lookup(host, { all: true })).map((entry) => entry.address);

export class RelayPool {
  readonly #target: RelayTarget;
  readonly #resolveTtlMs: number;
  readonly #quarantineMs: number;
  readonly #now: () => number;
  readonly #resolve: (host: string) => Promise<string[]>;
  #addresses: string[] = [];
  #resolvedAt = -Infinity;
  #resolving: Promise<void> | undefined;
  #next = 0;
  readonly #quarantined = new Map<string, number>();

  constructor(target: RelayTarget, options: RelayPoolOptions = {}) {
    this.#target = target;
    this.#resolveTtlMs = options.resolveTtlMs ?? 10_000;
    this.#quarantineMs = options.quarantineMs ?? 10_000;
    this.#now = options.now ?? Date.now;
    this.#resolve = options.resolve ?? resolveAll;
  }

  /** The relay for a new call; rejects when the name resolves to nothing. */
  async pick(): Promise<NgAddress> {
    await this.#refresh();
    const now = this.#now();
    const healthy = this.#addresses.filter((address) => (this.#quarantined.get(address) ?? -Infinity) <= now);
    // With every relay quarantined, trying one is better than refusing the call outright.
    const candidates = healthy.length > 0 ? healthy : this.#addresses;
    const host = candidates[this.#next++ % candidates.length];
    if (host === undefined) throw new Error(`media relay ${this.#target.host} resolves to no address`);
    return { host, port: this.#target.port };
  }

  /** A relay that did not answer: new calls avoid it for a while. */
  unresponsive(address: NgAddress): void {
    this.#quarantined.set(address.host, this.#now() + this.#quarantineMs);
  }

  async #refresh(): Promise<void> {
    if (isIP(this.#target.host)) {
      this.#addresses = [this.#target.host];
      return;
    }
    if (this.#now() - this.#resolvedAt < this.#resolveTtlMs && this.#addresses.length > 0) return;
    this.#resolving ??= this.#resolve(this.#target.host)
      .then((addresses) => {
        this.#addresses = [...new Set(addresses)].sort();
        this.#resolvedAt = this.#now();
      })
      .catch((error: unknown) => {
        // Keep serving the last good answer: a DNS hiccup must not take media down.
        if (this.#addresses.length === 0) throw new Error(`cannot resolve media relay ${this.#target.host}: ${(error as Error).message}`);
      })
      .finally(() => (this.#resolving = undefined));
    await this.#resolving;
  }
}
