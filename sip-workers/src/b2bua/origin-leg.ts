// The calling side of a call we placed (the REST API, Twilio's outbound-api): the party we rang
// answered our offerless INVITE with a 2xx carrying its own offer, and waits for our ACK, which
// must carry the answer (RFC 3261 §13.2.2.4; the three-party call control of RFC 3725 §4.1).
// Bridging puts the answering callee's description in that ACK; refusing puts an answer that
// refuses every stream in it, then hangs up. The party retransmits its 2xx until the ACK comes and
// gives up after 64·T1, so the ACK cannot wait longer than `ackDeadlineMs`.
import { refusingAnswer } from '../media/refusing-answer.ts';
import type { HeaderField, SipRequest, SipResponse } from '../sip/message.ts';
import type { ServerTransaction } from '../sip/server-transaction.ts';
import type { TransactionLayer } from '../sip/transaction-layer.ts';
import { bodyHeaders } from './caller-leg.ts';
import type { CallerSide } from './caller-side.ts';
import { inDialogRequest } from './dialog.ts';
import type { Dialog } from './dialog.ts';

export class OriginLeg implements CallerSide {
  readonly request: SipRequest;
  readonly cancelled = false;
  readonly earlyDialog = undefined;
  readonly #layer: TransactionLayer;
  readonly #dialog: Dialog;
  /** The CSeq of our INVITE, which the ACK repeats. */
  readonly #inviteSeq: number;
  #ack: SipRequest | undefined;
  #bridged = false;
  readonly #deadline: ReturnType<typeof setTimeout>;

  /**
   * `terms`: our INVITE's terms for the callee legs, with the party's offer as its body.
   * `onAckDeadline`: the ACK must go out now or the party hangs up on its own.
   */
  constructor(layer: TransactionLayer, dialog: Dialog, terms: SipRequest, ackDeadlineMs: number, onAckDeadline: () => void) {
    this.#layer = layer;
    this.#dialog = dialog;
    this.#inviteSeq = dialog.localSeq;
    this.request = terms;
    this.#deadline = setTimeout(onAckDeadline, ackDeadlineMs);
  }

  get pending(): boolean {
    return this.#ack === undefined;
  }

  get dialog(): Dialog | undefined {
    return this.#bridged ? this.#dialog : undefined;
  }

  /** Our ACK carried a callee's answer: nothing more to wait for on this side. */
  get acked(): boolean {
    return this.#bridged;
  }

  /** The party already answered: it hears no ringing. */
  ringing(): void {}

  /** No early dialog on this side, so no PRACK belongs to it. */
  prack(_request: SipRequest, transaction: ServerTransaction): void {
    void transaction.reply(481);
  }

  answer(from: SipResponse): Dialog | undefined {
    if (this.#ack) return undefined;
    this.#sendAck(from.body, bodyHeaders(from));
    this.#bridged = true;
    return this.#dialog;
  }

  /** No ACK ever comes to this side: we send it. */
  acknowledge(): boolean {
    return false;
  }

  /** The call was not bridged: the party's offer is refused in our ACK, and it is hung up on. */
  reject(_status?: number, _reason?: string, _headers?: HeaderField[]): void {
    if (this.#ack) return;
    this.#sendAck(refusingAnswer(this.request.body), [{ name: 'Content-Type', value: 'application/sdp' }]);
    this.#layer.sendRequest(inDialogRequest(this.#dialog, 'BYE'), this.#dialog.destination);
  }

  /** The party's 2xx came again: our ACK was lost (or is not sent yet, and then it waits). */
  answerRetransmitted(): void {
    if (this.#ack) void this.#layer.sendAck(this.#ack, this.#dialog.destination);
  }

  stop(): void {
    clearTimeout(this.#deadline);
  }

  #sendAck(body: Buffer, headers: HeaderField[]): void {
    clearTimeout(this.#deadline);
    this.#ack = inDialogRequest(this.#dialog, 'ACK', { seq: this.#inviteSeq, body, headers });
    void this.#layer.sendAck(this.#ack, this.#dialog.destination);
  }
}
