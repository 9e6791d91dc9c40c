// Where bindings live. Every worker replica of a carrier reads and writes the same store, so a
// phone registered through one replica is found by a call on another. An update is applied as a
// whole or not at all: two replicas registering Contacts of one AOR at once lose neither.
import type { AddressOfRecord, Binding, CurrentBinding, Flow } from './binding.ts';

export interface BindingChange {
  binding: Binding;
  /** Granted seconds; 0 removes the binding. */
  seconds: number;
}

export interface BindingUpdate {
  callId: string;
  cseq: number;
  /** Contact: * with Expires: 0: every binding of the AOR goes (subject to the CSeq check). */
  removeAll: boolean;
  changes: readonly BindingChange[];
  /** The update is refused when the AOR would hold more bindings than this. */
  maxBindings: number;
}

/**
 * `out-of-order`: §10.3 step 7, a binding of the same Call-ID already carries this CSeq or a
 * higher one, so this REGISTER is older than what the store holds and changes nothing.
 */
export type UpdateResult =
  | { ok: true; bindings: CurrentBinding[] }
  | { ok: false; reason: 'out-of-order' | 'too-many-bindings'; bindingId?: string };

export interface BindingStore {
  update(aor: AddressOfRecord, update: BindingUpdate): Promise<UpdateResult>;
  /** The AOR's current bindings; expired ones are never returned, whatever the store still holds. */
  lookup(aor: AddressOfRecord): Promise<CurrentBinding[]>;
  /** Removes the AOR's bindings registered over a TCP or TLS flow that closed (not those with push parameters); how many went. */
  removeFlow(aor: AddressOfRecord, flow: Flow): Promise<number>;
  /**
   * Records that the replica with this sent-by runs, as `instance`, for `ttlMs`: replicas announce
   * themselves while they run, so a crashed one's announcement lapses on its own.
   */
  announceEdge(carrier: string, edge: string, instance: string, ttlMs: number): Promise<void>;
  /** Ends this instance's announcement at once (a replica stopping); a newer instance's stays. */
  withdrawEdge(carrier: string, edge: string, instance: string): Promise<void>;
  /** Which of these replicas' announcements are current. */
  presentEdges(carrier: string, edges: readonly string[]): Promise<ReadonlySet<string>>;
  /** Resolves once the store can first be asked (the worker does not wait for it to start). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** The store could not be asked (down, unreachable, too slow): the REGISTER gets 503, the call skips the client. */
export class BindingStoreUnavailable extends Error {
  override name = 'BindingStoreUnavailable';
}
