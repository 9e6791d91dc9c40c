// One call's media on rtpengine. The B2BUA has two dialogs but the relay holds one call for
// both: the side that offers is the ng from-tag, the side that answers the to-tag, and the relay
// rewrites each description so both parties send RTP to it. Commands of one call run one after
// another, so a release that races an offer (a CANCEL while the relay is still answering) is
// sent after the offer and cannot leave a session behind.
import type { WorkerLogger } from '../worker/logger.ts';
import type { MediaMetrics } from './media-metrics.ts';
import { formatNgAddress, NgTimeoutError } from './ng-client.ts';
import type { NgAddress, NgClient, NgDictionary } from './ng-client.ts';
import type { RelayPool } from './relay-pool.ts';

export type MediaSide = 'caller' | 'callee';
export type AnchorResult = { ok: true; sdp: Buffer } | { ok: false; reason: string };

/** Names of the call on the relay. */
export interface CallMediaIds {
  /**
   * Our Call SID, not the caller's Call-ID: the caller chooses its Call-ID, and two callers (two
   * carriers, or a hostile SIP domain user) presenting the same one would share a relay call, and
   * one's BYE would delete the other's media.
   */
  callId: string;
  /** The caller's From tag: the A leg's identifiers, so a trace of that leg maps onto the relay call. */
  callerTag: string;
  /** Our To tag towards the caller: the callee as the caller sees it, whichever trunk answers. */
  calleeTag: string;
}

export interface CallMediaDeps {
  client: NgClient;
  pool: RelayPool;
  metrics: MediaMetrics;
  log: WorkerLogger;
  /** ng flags for every offer and answer (symmetric latching is rtpengine's default; `asymmetric` turns it off). */
  flags: string[];
  /** Registers work the worker must wait for before it closes the ng socket. */
  track: (work: Promise<unknown>) => void;
}

export class CallMedia {
  readonly #ids: CallMediaIds;
  readonly #deps: CallMediaDeps;
  #relay: NgAddress | undefined;
  /** An offer was sent (answered or not) since the last delete: the relay may hold a session. */
  #anchored = false;
  #released = false;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(ids: CallMediaIds, deps: CallMediaDeps) {
    this.#ids = ids;
    this.#deps = deps;
  }

  get anchored(): boolean {
    return this.#anchored;
  }

  /** The relay's description for the other side, from the offer `by` sent. */
  offer(sdp: Buffer, by: MediaSide): Promise<AnchorResult> {
    return this.#serial(async () => {
      if (this.#released) return { ok: false, reason: 'call already ended' };
      let relay: NgAddress;
      try {
        relay = this.#relay ??= await this.#deps.pool.pick();
      } catch (error) {
        return { ok: false, reason: (error as Error).message };
      }
      if (!this.#anchored) this.#deps.metrics.anchoredCalls.inc();
      this.#anchored = true;
      return this.#rewrite(relay, 'offer', { 'call-id': this.#ids.callId, 'from-tag': this.#tag(by), sdp: sdp.toString('latin1') });
    });
  }

  /** The relay's description for the offerer, from the answer `by` sent. */
  answer(sdp: Buffer, by: MediaSide): Promise<AnchorResult> {
    return this.#serial(async () => {
      const relay = this.#relay;
      if (this.#released || !this.#anchored || !relay) return { ok: false, reason: 'no offer on the relay to answer' };
      const offerer: MediaSide = by === 'caller' ? 'callee' : 'caller';
      return this.#rewrite(relay, 'answer', { 'call-id': this.#ids.callId, 'from-tag': this.#tag(offerer), 'to-tag': this.#tag(by), sdp: sdp.toString('latin1') });
    });
  }

  /** Drops what the relay holds for this call (a failed attempt) while the call goes on to another. */
  discard(): Promise<void> {
    return this.#serial(() => this.#delete());
  }

  /** The call is over: delete on the relay, and refuse anything after. Safe to call more than once. */
  release(): Promise<void> {
    this.#released = true;
    const done = this.#serial(() => this.#delete());
    this.#deps.track(done);
    return done;
  }

  #tag(side: MediaSide): string {
    return side === 'caller' ? this.#ids.callerTag : this.#ids.calleeTag;
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#chain.then(work);
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #rewrite(relay: NgAddress, step: 'offer' | 'answer', fields: NgDictionary): Promise<AnchorResult> {
    const reply = await this.#send(relay, step, { ...fields, replace: ['origin', 'session-connection'], ICE: 'remove', flags: this.#deps.flags });
    const sdp = reply.ok ? reply.value.sdp : undefined;
    if (typeof sdp === 'string') return { ok: true, sdp: Buffer.from(sdp, 'latin1') };
    const reason = reply.ok ? `rtpengine's ${step} reply has no SDP` : reply.reason;
    this.#deps.metrics.anchorFailures.inc({ step });
    this.#deps.log.warn({ relay: formatNgAddress(relay), step, reason }, 'media relay failed');
    return { ok: false, reason };
  }

  async #delete(): Promise<void> {
    const relay = this.#relay;
    if (!this.#anchored || !relay) return;
    this.#anchored = false;
    this.#deps.metrics.anchoredCalls.dec();
    // rtpengine answers a delete of a call it no longer has (timed out, relay restarted) with a warning, not an error.
    const reply = await this.#send(relay, 'delete', { 'call-id': this.#ids.callId, 'delete-delay': 0 });
    if (!reply.ok) this.#deps.log.warn({ relay: formatNgAddress(relay), reason: reply.reason }, 'media relay did not delete the call; its own timeout will');
  }

  async #send(relay: NgAddress, name: string, fields: NgDictionary): Promise<{ ok: true; value: NgDictionary } | { ok: false; reason: string }> {
    const started = performance.now();
    const { metrics } = this.#deps;
    try {
      const reply = await this.#deps.client.request(relay, { command: name, ...fields });
      metrics.commandSeconds.observe({ command: name }, (performance.now() - started) / 1000);
      if (reply.result === 'ok') {
        metrics.commands.inc({ command: name, result: 'ok' });
        return { ok: true, value: reply };
      }
      metrics.commands.inc({ command: name, result: 'error' });
      const reason = typeof reply['error-reason'] === 'string' ? reply['error-reason'] : `result ${JSON.stringify(reply.result)}`;
      return { ok: false, reason: `rtpengine refused '${name}': ${reason}` };
    } catch (error) {
      const timedOut = error instanceof NgTimeoutError;
      metrics.commands.inc({ command: name, result: timedOut ? 'timeout' : 'error' });
      if (timedOut) this.#deps.pool.unresponsive(relay);
      return { ok: false, reason: (error as Error).message };
    }
  }
}
