// The A leg of a call: the caller's INVITE server transaction and, once answered, the dialog
// with the caller. Relays ringing, answers with a 2xx it retransmits over UDP until the ACK
// comes (answer-retransmission.ts), or rejects.
import type { HeaderField, SipRequest, SipResponse } from '../sip/message.ts';
import { headerValue } from '../sip/message.ts';
import type { ServerTransaction } from '../sip/server-transaction.ts';
import type { TimerValues } from '../sip/timers.ts';
import { answerUntilAcked } from './answer-retransmission.ts';
import type { AnswerRetransmission } from './answer-retransmission.ts';
import { uasDialog } from './dialog.ts';
import { sessionTimerHeaders } from './session-timer-headers.ts';
import type { Dialog } from './dialog.ts';

/** Headers that describe a body and travel with it from one leg to the other. */
export function bodyHeaders(message: SipRequest | SipResponse): HeaderField[] {
  const type = headerValue(message, 'Content-Type');
  return message.body.length > 0 && type ? [{ name: 'Content-Type', value: type }] : [];
}

export class CallerLeg {
  readonly invite: ServerTransaction;
  readonly #contact: string;
  readonly #timers: TimerValues;
  #dialog: Dialog | undefined;
  #answer: AnswerRetransmission | undefined;
  #acked = false;
  #lastRinging = 0;

  constructor(invite: ServerTransaction, contact: string, timers: TimerValues) {
    this.invite = invite;
    this.#contact = contact;
    this.#timers = timers;
  }

  get dialog(): Dialog | undefined {
    return this.#dialog;
  }

  get acked(): boolean {
    return this.#acked;
  }

  /** Relays a callee's 180/183 (with its early media description); a bare 180 is sent at most once. */
  ringing(from?: SipResponse): void {
    if (!this.invite.pending) return;
    const status = from?.status ?? 180;
    if (status === 180 && (from?.body.length ?? 0) === 0 && this.#lastRinging === 180) return;
    this.#lastRinging = status;
    const body = from?.body ?? Buffer.alloc(0);
    void this.invite.reply(status, {
      reason: from?.reason,
      headers: [{ name: 'Contact', value: this.#contact }, ...(from ? bodyHeaders(from) : [])],
      body,
    });
  }

  /** Sends the 2xx and starts its retransmission; `onAckTimeout` runs if no ACK comes within 64·T1. */
  answer(from: SipResponse, onAckTimeout: () => void): Dialog | undefined {
    if (!this.invite.pending) return undefined;
    const dialog = uasDialog(this.invite.request, this.invite.toTag, this.invite.source);
    if (!dialog) return undefined;
    this.#dialog = dialog;
    const options = { headers: [{ name: 'Contact', value: this.#contact }, ...bodyHeaders(from), ...sessionTimerHeaders(from)], body: from.body };
    this.#answer = answerUntilAcked(this.invite, 200, options, this.#timers, onAckTimeout);
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
    if (this.invite.pending) void this.invite.reply(status, { ...(reason === undefined ? {} : { reason }), headers });
  }

  stop(): void {
    this.#answer?.stop();
  }
}
