// Reliable provisional responses to the caller (RFC 3262), when its INVITE requires 100rel: every
// 180 and 183 goes with Require: 100rel and an RSeq one higher than the last, is sent again at
// T1, 2·T1, 4·T1… until the caller's PRACK names it, and the next waits until it has (§3: one
// unacknowledged at a time). No PRACK within 64·T1 ends the call with a 5xx, as §3 advises. A 2xx
// waits for the PRACK of a provisional that carried a session description; any final response
// ends the retransmissions.
import type { HeaderField, SipRequest } from '../sip/message.ts';
import { headerValue, optionTags } from '../sip/message.ts';
import { cseqHeader } from '../sip/scalar-headers.ts';
import type { ServerTransaction } from '../sip/server-transaction.ts';
import type { TimerValues } from '../sip/timers.ts';

export interface Provisional {
  status: number;
  reason?: string;
  headers: HeaderField[];
  body: Buffer;
}

interface Outstanding {
  rseq: number;
  provisional: Provisional;
  timer: NodeJS.Timeout;
}

/** Whether a message's Require names 100rel: a caller's INVITE asking for reliable provisionals, or a callee's provisional sent reliably. */
export const requires100rel = (message: { headers: readonly HeaderField[] }): boolean => optionTags(message, 'Require').some((tag) => tag.toLowerCase() === '100rel');

export class ReliableProvisionals {
  readonly #invite: ServerTransaction;
  readonly #timers: TimerValues;
  readonly #onNoPrack: () => void;
  /** §3: the first RSeq is random (below 2^30, so the ones after it stay under 2^31 - 1). */
  #rseq = 1 + Math.floor(Math.random() * 2 ** 30);
  #outstanding: Outstanding | undefined;
  readonly #queue: Provisional[] = [];
  readonly #waitingForPrack: Array<() => void> = [];
  #stopped = false;

  constructor(invite: ServerTransaction, timers: TimerValues, onNoPrack: () => void) {
    this.#invite = invite;
    this.#timers = timers;
    this.#onNoPrack = onNoPrack;
  }

  send(provisional: Provisional): void {
    if (this.#stopped) return;
    if (this.#outstanding) this.#queue.push(provisional);
    else this.#start(provisional);
  }

  /** Whether the PRACK's RAck names the provisional awaiting one. */
  acknowledges(prack: SipRequest): boolean {
    const outstanding = this.#outstanding;
    const [rseq, cseq, method] = (headerValue(prack, 'RAck') ?? '').trim().split(/\s+/);
    return outstanding !== undefined && Number(rseq) === outstanding.rseq && Number(cseq) === cseqHeader(this.#invite.request)?.seq && method?.toUpperCase() === 'INVITE';
  }

  /**
   * The awaited PRACK came (and its 200 went first, so the caller sees that before what follows):
   * the next provisional goes, or the 2xx that waited for it.
   */
  acknowledge(): void {
    const outstanding = this.#outstanding;
    if (!outstanding) return;
    clearTimeout(outstanding.timer);
    this.#outstanding = undefined;
    const next = this.#queue.shift();
    if (next) this.#start(next);
    if (!this.#awaitingDescriptionPrack) for (const resume of this.#waitingForPrack.splice(0)) resume();
  }

  /** Runs `send` once no provisional with a session description awaits its PRACK (§3), at once if none does. */
  whenDescriptionsAcknowledged(send: () => void): void {
    if (this.#awaitingDescriptionPrack) this.#waitingForPrack.push(send);
    else send();
  }

  /** A final response went out: nothing more is sent again or waited for. */
  stop(): void {
    this.#stopped = true;
    if (this.#outstanding) clearTimeout(this.#outstanding.timer);
    this.#outstanding = undefined;
    this.#queue.length = 0;
    this.#waitingForPrack.length = 0;
  }

  get #awaitingDescriptionPrack(): boolean {
    return [this.#outstanding?.provisional, ...this.#queue].some((provisional) => (provisional?.body.length ?? 0) > 0);
  }

  #start(provisional: Provisional): void {
    const rseq = this.#rseq++;
    const headers = [...provisional.headers, { name: 'Require', value: '100rel' }, { name: 'RSeq', value: String(rseq) }];
    const transmit = () => void this.#invite.reply(provisional.status, { ...(provisional.reason === undefined ? {} : { reason: provisional.reason }), headers, body: provisional.body });
    transmit();
    const giveUpAt = Date.now() + 64 * this.#timers.t1;
    const again = (interval: number): NodeJS.Timeout => setTimeout(() => {
      if (this.#outstanding?.rseq !== rseq) return;
      if (Date.now() >= giveUpAt || !this.#invite.pending) {
        this.stop();
        if (this.#invite.pending) this.#onNoPrack();
        return;
      }
      transmit();
      if (this.#outstanding) this.#outstanding.timer = again(interval * 2);
    }, Math.min(interval, Math.max(1, giveUpAt - Date.now())));
    this.#outstanding = { rseq, provisional, timer: again(this.#timers.t1) };
  }
}
