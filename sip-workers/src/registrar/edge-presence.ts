// Which replicas are running, told through the store every replica shares. A phone's binding
// names the replica holding its flow (its edge) until the phone registers again, which after a
// rolling update or a crash is up to a keep-alive interval later; a call relayed to a replica
// that is gone would wait out the relay's timeout and end in 408. So each replica announces its
// sent-by while it runs (renewed well inside the announcement's lifetime, withdrawn when it
// stops), and a call skips the bindings whose edge has no current announcement.
import { randomUUID } from 'node:crypto';
import type { WorkerLogger } from '../worker/logger.ts';
import type { BindingStore } from './binding-store.ts';

export interface EdgePresenceOptions {
  /** How long one announcement lasts: a crashed replica counts as present this long. Default 15 s. */
  ttlMs?: number;
  /** Between renewals; a third of the lifetime by default, so two may fail before it lapses. */
  renewMs?: number;
}

export class EdgePresence {
  readonly #store: BindingStore;
  readonly #carrier: string;
  readonly #edge: string;
  readonly #log: WorkerLogger;
  readonly #ttlMs: number;
  readonly #renewMs: number;
  /** Tells this run from an earlier one at the same address, whose late withdrawal must not end ours. */
  readonly #instance = randomUUID();
  #timer: NodeJS.Timeout | undefined;
  #failing = false;
  #stopped = false;

  constructor(store: BindingStore, carrier: string, edge: string, log: WorkerLogger, options: EdgePresenceOptions = {}) {
    this.#store = store;
    this.#carrier = carrier;
    this.#edge = edge;
    this.#log = log;
    this.#ttlMs = options.ttlMs ?? 15_000;
    this.#renewMs = options.renewMs ?? Math.floor(this.#ttlMs / 3);
  }

  /** Announces now and keeps renewing; after stop() it does nothing (a worker closed while Redis was still on its way). */
  start(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    void this.#announce();
    this.#timer = setInterval(() => void this.#announce(), this.#renewMs);
    this.#timer.unref();
  }

  /** Withdraws the announcement; a store that does not answer lets it lapse instead. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#store.withdrawEdge(this.#carrier, this.#edge, this.#instance).catch((error: unknown) => {
      this.#log.warn({ err: error, edge: this.#edge }, `could not withdraw this replica's presence; other replicas count it present for up to ${this.#ttlMs} ms more`);
    });
  }

  /**
   * The edges among these that are running. This replica is; when the store cannot be asked, all
   * are taken as running, as before presence was known: a relayed call may then time out, but no
   * phone goes unrung because Redis blinked.
   */
  async running(edges: ReadonlySet<string>): Promise<ReadonlySet<string>> {
    const others = [...edges].filter((edge) => edge !== this.#edge);
    if (others.length === 0) return edges;
    try {
      const present = await this.#store.presentEdges(this.#carrier, others);
      return new Set([...edges].filter((edge) => edge === this.#edge || present.has(edge)));
    } catch {
      return edges;
    }
  }

  async #announce(): Promise<void> {
    try {
      await this.#store.announceEdge(this.#carrier, this.#edge, this.#instance, this.#ttlMs);
      if (this.#failing) this.#log.info({ edge: this.#edge }, 'this replica\'s presence is announced again');
      this.#failing = false;
    } catch (error) {
      if (!this.#failing) this.#log.warn({ err: error, edge: this.#edge }, 'could not announce this replica\'s presence; once it lapses, calls on other replicas skip the phones whose flows this one holds');
      this.#failing = true;
    }
  }
}
