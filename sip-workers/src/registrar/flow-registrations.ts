// The AORs registered over each TCP or TLS flow this worker holds, so that when a flow closes its
// bindings go at once (as Kamailio's usrloc does with handle_lost_tcp) rather than living on until
// they expire. Until then every replica would still list them: another replica would send
// the phone's calls to its Contact, which behind NAT reaches no one or someone else, and a phone
// that reconnects from a new port with a new Contact would pile up bindings until the per-user
// cap refuses it (403 Too Many Registrations).
import type { WorkerLogger } from '../worker/logger.ts';
import type { AddressOfRecord, Flow } from './binding.ts';

type UserOfDomain = Omit<AddressOfRecord, 'carrier'>;

export interface FlowRegistrationsDeps {
  /** Removes the AOR's bindings over the flow from the store; how many went. */
  remove(aor: UserOfDomain, flow: Flow): Promise<number>;
  onRemoved(count: number): void;
  log: WorkerLogger;
}

function flowKey(flow: Pick<Flow, 'transport' | 'address' | 'port'>): string {
  return `${flow.transport}|${flow.address}|${flow.port}`;
}

export class FlowRegistrations {
  readonly #deps: FlowRegistrationsDeps;
  /** Flow key → the flow and the AORs (by domain:user) registered over it. */
  readonly #flows = new Map<string, { flow: Flow; aors: Map<string, UserOfDomain> }>();
  readonly #removals = new Set<Promise<void>>();

  constructor(deps: FlowRegistrationsDeps) {
    this.#deps = deps;
  }

  /** Flows tracked (for tests and the log). */
  get size(): number {
    return this.#flows.size;
  }

  /**
   * Notes that `aor` registered over `flow`. `stillOpen` is asked afterwards: a connection that
   * closed while the store was being written had its close seen before this note, so the note
   * acts on it at once.
   */
  registered(aor: UserOfDomain, flow: Flow, stillOpen: () => boolean): void {
    if (flow.transport === 'udp') return;
    const key = flowKey(flow);
    const entry = this.#flows.get(key) ?? { flow, aors: new Map<string, UserOfDomain>() };
    entry.aors.set(`${aor.domain}:${aor.user}`, aor);
    this.#flows.set(key, entry);
    if (!stillOpen()) this.closed(flow);
  }

  /** A TCP or TLS connection a phone opened to this worker closed: its bindings go. */
  closed(flow: Pick<Flow, 'transport' | 'address' | 'port'>): void {
    const key = flowKey(flow);
    const entry = this.#flows.get(key);
    if (!entry) return;
    this.#flows.delete(key);
    for (const aor of entry.aors.values()) {
      const removal = this.#remove(aor, entry.flow).finally(() => this.#removals.delete(removal));
      this.#removals.add(removal);
    }
  }

  /** Resolves once every removal started has ended (a closing worker waits for them before it drops Redis). */
  async settled(): Promise<void> {
    while (this.#removals.size > 0) await Promise.allSettled([...this.#removals]);
  }

  async #remove(aor: UserOfDomain, flow: Flow): Promise<void> {
    const log = this.#deps.log.child({ aor: `sip:${aor.user}@${aor.domain}`, flow: `${flow.transport}:${flow.address}:${flow.port}` });
    try {
      const removed = await this.#deps.remove(aor, flow);
      this.#deps.onRemoved(removed);
      if (removed > 0) log.info({ removed }, 'flow closed: its bindings removed');
    } catch (error) {
      // The bindings then expire by themselves; nothing else depends on this removal.
      log.warn({ err: error }, 'flow closed, but its bindings could not be removed; they expire by themselves');
    }
  }
}
