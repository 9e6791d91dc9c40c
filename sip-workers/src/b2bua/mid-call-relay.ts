// Requests inside an answered call, relayed from one side's dialog into the other's: re-INVITE
// (hold, a new address or codec, a session refresh), UPDATE, INFO (DTMF) and MESSAGE. The answer
// comes back the same way, so the two parties negotiate with each other end to end while each
// dialog keeps its own tags, CSeq and Contact. With media anchored, each description that
// crosses goes through the relay first, as the call's first offer and answer did.
//
// One offer/answer exchange at a time per call (RFC 3261 §14, RFC 3311 §5.2): a re-INVITE, or an
// UPDATE with an offer, that meets one in progress gets 491 from the other side (glare: both
// retry after a random wait) and 500 with Retry-After from the same side.
import type { CallMedia } from '../media/call-media.ts';
import { sdpOf } from '../media/sdp-body.ts';
import type { ClientTransaction } from '../sip/client-transaction.ts';
import type { HeaderField, SipRequest, SipResponse } from '../sip/message.ts';
import { headerValues } from '../sip/message.ts';
import { cseqHeader } from '../sip/scalar-headers.ts';
import type { ServerTransaction } from '../sip/server-transaction.ts';
import type { TransactionLayer } from '../sip/transaction-layer.ts';
import type { TransportKind } from '../sip/transport.ts';
import { answerUntilAcked } from './answer-retransmission.ts';
import type { AnswerRetransmission } from './answer-retransmission.ts';
import { bodyHeaders } from './caller-leg.ts';
import { inDialogRequest, refreshTarget } from './dialog.ts';
import type { Dialog } from './dialog.ts';
import type { LegSide } from './dialog-registry.ts';
import { sessionTimerHeaders } from './session-timer-headers.ts';

/** Methods relayed to the other side; any other in-dialog request but BYE and OPTIONS is refused 501. */
export const RELAYED_METHODS: ReadonlySet<string> = new Set(['INVITE', 'UPDATE', 'INFO', 'MESSAGE']);

/** Headers whose meaning is between the two parties, relayed as they are. */
const END_TO_END = ['Content-Disposition', 'Info-Package', 'Recv-Info', 'Retry-After', 'Reason', 'Warning', 'Unsupported'];

export interface MidCallRelayDeps {
  layer: TransactionLayer;
  /** Our Contact towards a side's transport, sent with every target refresh and its 2xx. */
  contact: (transport: TransportKind) => string;
  dialogs: Record<LegSide, Dialog>;
  media?: CallMedia;
  /**
   * The descriptions each side last sent, unanchored: what the relay is set back to when a
   * re-offer is refused (the parties keep the session they had, RFC 3264 §8).
   */
  descriptions: Record<LegSide, Buffer | undefined>;
  /** A side's dialog is gone (481), silent (no answer to a re-INVITE or UPDATE) or never ACKed: end the call. */
  onBroken: (reason: string) => void;
  /** The final status the sender of a relayed request got. */
  onAnswered?: (method: string, status: number) => void;
}

interface Exchange {
  readonly from: LegSide;
  readonly to: LegSide;
  readonly request: SipRequest;
  readonly transaction: ServerTransaction;
  /** A re-INVITE, or an UPDATE with an offer: holds the call's offer/answer lock. */
  readonly negotiates: boolean;
  readonly offer: Buffer | undefined;
  client?: ClientTransaction;
  /** The CSeq number of our request to the other side. */
  seq?: number;
  answered?: boolean;
  /** Our 2xx to a re-INVITE, resent until its ACK comes. */
  answer?: AnswerRetransmission;
  acked?: boolean;
  /** Our ACK to the other side's 2xx, sent again if that 2xx is. */
  ack?: SipRequest;
}

/**
 * Relayed requests one call may have in flight. Parties send one or two at a time; a peer sending
 * more floods the other side through us, and each holds a transaction for up to 32 s.
 */
const MAX_IN_FLIGHT = 16;

/** Requests that replace the sender's remote target with their Contact (§12.2), and so carry ours. */
const isTargetRefresh = (method: string): boolean => method === 'INVITE' || method === 'UPDATE';

const otherSide = (side: LegSide): LegSide => (side === 'caller' ? 'callee' : 'caller');

export class MidCallRelay {
  readonly #deps: MidCallRelayDeps;
  readonly #exchanges = new Set<Exchange>();
  /** The side whose offer/answer exchange is in progress (the call's first one, the caller's, until its ACK has reached the callee). */
  #negotiating: LegSide | undefined;
  #stopped = false;

  /** `firstExchangeOpen`: made before the ACK for the callee's 2xx went out (initialExchangeDone() follows). */
  constructor(deps: MidCallRelayDeps, options: { firstExchangeOpen: boolean }) {
    this.#deps = deps;
    if (options.firstExchangeOpen) this.#negotiating = 'caller';
  }

  /** The call's first INVITE is ACKed end to end: mid-call offers may start. */
  initialExchangeDone(): void {
    if (this.#negotiating === 'caller' && ![...this.#exchanges].some((e) => e.negotiates)) this.#negotiating = undefined;
  }

  /** A request from `from` inside the call; `transaction` is answered with the other side's answer. */
  relay(from: LegSide, request: SipRequest, transaction: ServerTransaction): void {
    if (this.#exchanges.size >= MAX_IN_FLIGHT) {
      this.#deps.onAnswered?.(request.method, 503);
      void transaction.reply(503, { headers: [{ name: 'Retry-After', value: '1' }] });
      return;
    }
    const offer = sdpOf(request);
    const negotiates = request.method === 'INVITE' || (request.method === 'UPDATE' && offer !== undefined);
    if (negotiates && this.#negotiating !== undefined) {
      const status = this.#negotiating === from ? 500 : 491;
      this.#deps.onAnswered?.(request.method, status);
      void transaction.reply(status, status === 500 ? { headers: [{ name: 'Retry-After', value: String(Math.floor(Math.random() * 11)) }] } : {});
      return;
    }
    const exchange: Exchange = { from, to: otherSide(from), request, transaction, negotiates, offer };
    if (negotiates) this.#negotiating = from;
    this.#exchanges.add(exchange);
    void this.#forward(exchange);
  }

  /** An ACK from `side`: true when it was for a relayed re-INVITE's 2xx (and went on to the other side). */
  ack(side: LegSide, ack: SipRequest): boolean {
    if (this.#exchanges.size === 0) return false;
    const seq = cseqHeader(ack)?.seq;
    const exchange = [...this.#exchanges].find((e) => e.from === side && e.answer !== undefined && cseqHeader(e.request)?.seq === seq);
    if (!exchange) return false;
    exchange.answer?.stop();
    // A resent ACK (our 2xx was resent) while the relay still answers is the same ACK.
    if (exchange.acked) return true;
    exchange.acked = true;
    void this.#ackOtherSide(exchange, ack);
    return true;
  }

  /** A CANCEL for a relayed re-INVITE (the layer has answered it 200): the other side's is cancelled; its 487 comes back. */
  cancel(transaction: ServerTransaction): boolean {
    const exchange = [...this.#exchanges].find((e) => e.transaction === transaction);
    if (!exchange) return false;
    if (exchange.client) this.#deps.layer.cancel(exchange.client, this.#deps.dialogs[exchange.to].destination);
    return true;
  }

  /**
   * The call has ended: requests still waiting are answered 487 (§15.1.2); late 2xx are only
   * ACKed. A re-INVITE the other side has not finally answered is cancelled: a party that never
   * answers it would otherwise keep its INVITE transaction for good (no timer runs in Proceeding;
   * the CANCEL's 64·T1 ends it).
   */
  stop(): void {
    this.#stopped = true;
    for (const exchange of this.#exchanges) {
      exchange.answer?.stop();
      if (exchange.transaction.pending) void exchange.transaction.reply(487);
      if (exchange.client) this.#deps.layer.cancel(exchange.client, this.#deps.dialogs[exchange.to].destination);
    }
  }

  async #forward(exchange: Exchange): Promise<void> {
    const { media } = this.#deps;
    let body = exchange.request.body;
    if (media && exchange.offer) {
      const anchored = await media.offer(exchange.offer, exchange.from);
      if (!anchored.ok) {
        this.#finish(exchange, 503, { reason: 'Service Unavailable - Media Relay' });
        return;
      }
      body = anchored.sdp;
    }
    if (this.#stopped || exchange.transaction.cancelled) {
      await this.#restoreMedia(exchange);
      this.#finish(exchange, 487);
      return;
    }
    const dialog = this.#deps.dialogs[exchange.to];
    const request = inDialogRequest(dialog, exchange.request.method, { headers: this.#relayedHeaders(exchange, exchange.request, exchange.to), body });
    exchange.seq = dialog.localSeq;
    exchange.client = this.#deps.layer.sendRequest(request, dialog.destination, {
      onFinal: (response) => void this.#answered(exchange, response),
      onTimeout: () => void this.#unanswered(exchange, 408, 'no answer'),
      onTransportError: (error) => void this.#unanswered(exchange, 503, error),
    });
  }

  async #answered(exchange: Exchange, response: SipResponse): Promise<void> {
    const isInvite = exchange.request.method === 'INVITE';
    const success = response.status < 300;
    if (exchange.answered) {
      // Accepted state: the other side resends its 2xx until our ACK reaches it.
      if (isInvite && success && exchange.ack) void this.#deps.layer.sendAck(exchange.ack, this.#deps.dialogs[exchange.to].destination);
      return;
    }
    exchange.answered = true;
    if (!success) {
      await this.#restoreMedia(exchange);
      this.#finish(exchange, response.status, { reason: response.reason, headers: endToEndHeaders(response) });
      if (response.status === 481) this.#deps.onBroken(`the ${exchange.to}'s dialog is gone (481 to ${exchange.request.method})`);
      return;
    }
    const targetRefresh = isTargetRefresh(exchange.request.method);
    if (targetRefresh) refreshTarget(this.#deps.dialogs[exchange.to], response);
    const body = await this.#anchorAnswer(exchange, response);
    if (body === undefined) {
      // The other side has a new session we cannot describe to this one: fail closed.
      if (isInvite) void this.#ackOtherSide(exchange);
      this.#finish(exchange, 503, { reason: 'Service Unavailable - Media Relay' });
      this.#deps.onBroken('the media relay refused a mid-call answer');
      return;
    }
    if (this.#stopped || !exchange.transaction.pending) {
      if (isInvite) void this.#ackOtherSide(exchange);
      this.#exchanges.delete(exchange);
      return;
    }
    if (targetRefresh) refreshTarget(this.#deps.dialogs[exchange.from], exchange.request);
    const options = { reason: response.reason, headers: this.#relayedHeaders(exchange, response, exchange.from), body };
    if (!isInvite) {
      this.#finish(exchange, response.status, options);
      return;
    }
    // The lock is held until the ACK has crossed: it may carry the answer to an offer in this 2xx.
    this.#deps.onAnswered?.(exchange.request.method, response.status);
    exchange.answer = answerUntilAcked(exchange.transaction, response.status, options, this.#deps.layer.timers, () => {
      this.#exchanges.delete(exchange);
      this.#deps.onBroken(`the ${exchange.from} never ACKed the 2xx to its re-INVITE`);
    });
  }

  /**
   * What of `message` crosses to the side `towards`: our Contact there when the exchange is a
   * target refresh (its request and its 2xx), the body's headers, and the end-to-end ones.
   */
  #relayedHeaders(exchange: Exchange, message: SipRequest | SipResponse, towards: LegSide): HeaderField[] {
    const contact = isTargetRefresh(exchange.request.method) ? [{ name: 'Contact', value: this.#deps.contact(this.#deps.dialogs[towards].destination.transport) }] : [];
    return [...contact, ...bodyHeaders(message), ...endToEndHeaders(message)];
  }

  /** The other side's answer as the relay describes it; undefined when the relay refused it. */
  async #anchorAnswer(exchange: Exchange, response: SipResponse): Promise<Buffer | undefined> {
    const sdp = sdpOf(response);
    if (sdp) {
      if (exchange.offer) this.#deps.descriptions[exchange.from] = exchange.offer;
      this.#deps.descriptions[exchange.to] = sdp;
    }
    const { media } = this.#deps;
    if (!media || !sdp) return response.body;
    // A re-INVITE without an offer gets one in the 2xx (RFC 3264 §4); its answer comes in the ACK.
    const anchored = exchange.offer ? await media.answer(sdp, exchange.to) : await media.offer(sdp, exchange.to);
    return anchored.ok ? anchored.sdp : undefined;
  }

  /** The ACK for the other side's 2xx, end to end: with the answer the originator's ACK carried, if any. */
  async #ackOtherSide(exchange: Exchange, originatorAck?: SipRequest): Promise<void> {
    const dialog = this.#deps.dialogs[exchange.to];
    let body: Buffer = Buffer.alloc(0);
    let headers: HeaderField[] = [];
    const answer = originatorAck ? sdpOf(originatorAck) : undefined;
    if (originatorAck && answer) {
      this.#deps.descriptions[exchange.from] = answer;
      const anchored = this.#deps.media ? await this.#deps.media.answer(answer, exchange.from) : { ok: true as const, sdp: answer };
      if (anchored.ok) {
        body = anchored.sdp;
        headers = bodyHeaders(originatorAck);
      } else {
        this.#deps.onBroken('the media relay refused the answer in an ACK');
      }
    }
    exchange.ack = inDialogRequest(dialog, 'ACK', { seq: exchange.seq ?? dialog.localSeq, headers, body });
    void this.#deps.layer.sendAck(exchange.ack, dialog.destination);
    // Done; the other side's client transaction keeps `exchange.ack` for any 2xx it resends.
    this.#exchanges.delete(exchange);
    if (this.#negotiating === exchange.from) this.#negotiating = undefined;
  }

  async #unanswered(exchange: Exchange, status: number, detail: string): Promise<void> {
    if (exchange.answered) return;
    exchange.answered = true;
    await this.#restoreMedia(exchange);
    this.#finish(exchange, status);
    // A peer that no longer answers target refreshes has gone (RFC 4028 §10 ends such a session).
    if (exchange.negotiates || exchange.request.method === 'UPDATE') this.#deps.onBroken(`the ${exchange.to} did not answer ${exchange.request.method}: ${detail}`);
  }

  /** The final answer to the originator; the exchange, and the lock if it held it, are done. */
  #finish(exchange: Exchange, status: number, options: { reason?: string; headers?: HeaderField[]; body?: Buffer } = {}): void {
    this.#exchanges.delete(exchange);
    if (exchange.negotiates && this.#negotiating === exchange.from) this.#negotiating = undefined;
    if (!exchange.transaction.pending) return;
    this.#deps.onAnswered?.(exchange.request.method, status);
    void exchange.transaction.reply(status, options);
  }

  /** A re-offer that came to nothing: the relay goes back to the descriptions both sides still use. */
  async #restoreMedia(exchange: Exchange): Promise<void> {
    const { media, descriptions } = this.#deps;
    const mine = descriptions[exchange.from];
    const theirs = descriptions[exchange.to];
    if (!media || !exchange.offer || !mine || !theirs) return;
    if ((await media.offer(mine, exchange.from)).ok) await media.answer(theirs, exchange.to);
  }
}

/**
 * The headers of `message` that mean something to the party on the other side, session timers
 * among them (session-timer-headers.ts). 100rel is not relayed: we relay no provisional responses
 * inside the call, so a peer required to send them reliably would wait for a PRACK.
 */
function endToEndHeaders(message: SipRequest | SipResponse): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const name of END_TO_END) for (const value of headerValues(message, name)) fields.push({ name, value });
  return [...fields, ...sessionTimerHeaders(message)];
}
