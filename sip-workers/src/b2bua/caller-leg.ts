// The A leg of a call: the caller's INVITE server transaction and, once answered, the dialog
// with the caller. Relays ringing, answers with a 2xx it retransmits over UDP until the ACK
// comes (answer-retransmission.ts), or rejects.
import type { HeaderField, SipRequest, SipResponse } from '../sip/message.ts';
import { headerValue } from '../sip/message.ts';
import { callIdHeader } from '../sip/scalar-headers.ts';
import type { ServerTransaction } from '../sip/server-transaction.ts';
import type { TimerValues } from '../sip/timers.ts';
import { answerUntilAcked } from './answer-retransmission.ts';
import type { AnswerRetransmission } from './answer-retransmission.ts';
import { uasDialog } from './dialog.ts';
import { ReliableProvisionals, requires100rel } from './reliable-provisionals.ts';
import { sessionTimerHeaders } from './session-timer-headers.ts';
import type { CallerSide } from './caller-side.ts';
import type { Dialog } from './dialog.ts';

/** Headers that describe a body and travel with it from one leg to the other. */
export function bodyHeaders(message: SipRequest | SipResponse): HeaderField[] {
  const type = headerValue(message, 'Content-Type');
  return message.body.length > 0 && type ? [{ name: 'Content-Type', value: type }] : [];
}

export class CallerLeg implements CallerSide {
  readonly invite: ServerTransaction;
  readonly #contact: string;
  readonly #timers: TimerValues;
  #dialog: Dialog | undefined;
  #answer: AnswerRetransmission | undefined;
  #acked = false;
  #lastRinging = 0;
  /** Present when the caller's INVITE requires 100rel (RFC 3262). */
  readonly #reliable: ReliableProvisionals | undefined;

  /** `onNoPrack`: a reliable provisional went unacknowledged for 64·T1. */
  constructor(invite: ServerTransaction, contact: string, timers: TimerValues, onNoPrack: () => void) {
    this.invite = invite;
    this.#contact = contact;
    this.#timers = timers;
    this.#reliable = requires100rel(invite.request) ? new ReliableProvisionals(invite, timers, onNoPrack) : undefined;
  }

  get request(): SipRequest {
    return this.invite.request;
  }

  get cancelled(): boolean {
    return this.invite.cancelled;
  }

  get pending(): boolean {
    return this.invite.pending;
  }

  /** Present when its provisional responses go reliably, so a PRACK may come in the early dialog. */
  get earlyDialog(): { callId: string; localTag: string } | undefined {
    return this.#reliable ? { callId: callIdHeader(this.invite.request) ?? '', localTag: this.invite.toTag } : undefined;
  }

  get dialog(): Dialog | undefined {
    return this.#dialog;
  }

  get acked(): boolean {
    return this.#acked;
  }

  /**
   * Relays a callee's 180/183 (with its early media description); a bare 180 is sent at most once.
   * Reliably when the caller requires it; then a description is not relayed to a caller that sent
   * no offer: it would be an offer, answered in a PRACK the callee's leg has no way to carry.
   */
  ringing(from?: SipResponse): void {
    if (!this.invite.pending) return;
    const status = from?.status ?? 180;
    if (status === 180 && (from?.body.length ?? 0) === 0 && this.#lastRinging === 180) return;
    this.#lastRinging = status;
    const describes = from !== undefined && from.body.length > 0 && (this.#reliable === undefined || this.invite.request.body.length > 0);
    const provisional = {
      status,
      ...(from?.reason === undefined ? {} : { reason: from.reason }),
      headers: [{ name: 'Contact', value: this.#contact }, ...(describes ? bodyHeaders(from) : [])],
      body: describes ? from.body : Buffer.alloc(0),
    };
    if (this.#reliable) this.#reliable.send(provisional);
    else void this.invite.reply(status, provisional);
  }

  /** A PRACK in the early dialog: 200 when it acknowledges the reliable provisional awaiting one, else 481 (RFC 3262 §3). */
  prack(request: SipRequest, transaction: ServerTransaction): void {
    const reliable = this.#reliable;
    if (!reliable?.acknowledges(request)) {
      void transaction.reply(481);
      return;
    }
    void transaction.reply(200);
    reliable.acknowledge();
  }

  /** Sends the 2xx and starts its retransmission; `onAckTimeout` runs if no ACK comes within 64·T1. */
  answer(from: SipResponse, onAckTimeout: () => void): Dialog | undefined {
    if (!this.invite.pending) return undefined;
    const dialog = uasDialog(this.invite.request, this.invite.toTag, this.invite.source);
    if (!dialog) return undefined;
    this.#dialog = dialog;
    const options = { headers: [{ name: 'Contact', value: this.#contact }, ...bodyHeaders(from), ...sessionTimerHeaders(from)], body: from.body };
    const send = () => {
      this.#reliable?.stop();
      if (this.invite.pending) this.#answer = answerUntilAcked(this.invite, 200, options, this.#timers, onAckTimeout);
    };
    // §3: not before the PRACK of a provisional that carried a description.
    if (this.#reliable) this.#reliable.whenDescriptionsAcknowledged(send);
    else send();
    return dialog;
  }

  /** The caller's ACK for our 2xx. Returns true the first time. */
  acknowledge(): boolean {
    this.#answer?.stop();
    if (this.#acked) return false;
    this.#acked = true;
    return true;
  }

  reject(status: number, reason?: string, headers: HeaderField[] = []): void {
    this.#reliable?.stop();
    if (this.invite.pending) void this.invite.reply(status, { ...(reason === undefined ? {} : { reason }), headers });
  }

  stop(): void {
    this.#reliable?.stop();
    this.#answer?.stop();
  }
}
