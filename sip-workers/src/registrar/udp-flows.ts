// The UDP flows phones registered through this replica, and until when: the transport answers a
// STUN keep-alive (RFC 5626 §4.4.2) only on one of them. Behind a Service, a phone's keep-alives
// reach another replica once the one its REGISTER reached is gone (a rolling update, a crash):
// that replica, answering, would tell the phone its flow is fine, and the phone would not
// register again while its binding still names the gone replica, so no call would reach it until
// the binding expired. Unanswered, the keep-alive fails and the phone registers again, through the
// replica that now gets its packets. A restarted worker has forgotten its flows: its phones
// register again within a keep-alive interval or two.
import type { Flow } from './binding.ts';

/** Sweep expired flows once this many were noted since the last sweep, so the map stays bounded by the live ones. */
const SWEEP_EVERY = 1024;

const keyOf = (address: string, port: number) => `${address.toLowerCase()}|${port}`;

export class UdpFlows {
  readonly #until = new Map<string, number>();
  #notedSinceSweep = 0;

  /** Flows noted and not yet swept (for tests). */
  get size(): number {
    return this.#until.size;
  }

  /** A REGISTER over `flow` was granted bindings: the flow is held for `forMs`. */
  registered(flow: Pick<Flow, 'transport' | 'address' | 'port'>, forMs: number, now = Date.now()): void {
    if (flow.transport !== 'udp' || forMs <= 0) return;
    const key = keyOf(flow.address, flow.port);
    this.#until.set(key, Math.max(this.#until.get(key) ?? 0, now + forMs));
    if (++this.#notedSinceSweep >= SWEEP_EVERY) this.#sweep(now);
  }

  holds(address: string, port: number, now = Date.now()): boolean {
    return (this.#until.get(keyOf(address, port)) ?? 0) > now;
  }

  #sweep(now: number): void {
    this.#notedSinceSweep = 0;
    for (const [key, until] of this.#until) if (until <= now) this.#until.delete(key);
  }
}
