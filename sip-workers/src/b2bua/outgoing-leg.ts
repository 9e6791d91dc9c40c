// The B leg of a call: one INVITE to one target, from first byte to a settled outcome. It
// answers one digest challenge, gives up on a silent target after a progress timeout, stops
// ringing after the ring timeout, and can be cancelled at any time. Whoever dials decides
// what an outcome means (answer the caller, fail over to the next trunk, give up).
import type { ClientTransaction, ClientTransactionCallbacks } from '../sip/client-transaction.ts';
import type { HeaderField, SipRequest, SipResponse } from '../sip/message.ts';
import { formatNameAddr } from '../sip/name-addr.ts';
import type { NameAddr } from '../sip/name-addr.ts';
import { generateTag } from '../sip/response-builder.ts';
import { detachedString } from '../sip/retained-request.ts';
import type { TransactionLayer } from '../sip/transaction-layer.ts';
import type { Destination } from '../sip/transport.ts';
import type { Uri } from '../sip/uri.ts';
import { formatUri } from '../sip/uri.ts';
import { CalleePracks, supporting100rel } from './callee-pracks.ts';
import { requires100rel } from './reliable-provisionals.ts';
import { inDialogRequest, newCallId, uacDialog } from './dialog.ts';
import type { Dialog } from './dialog.ts';

export interface DialTarget {
  requestUri: Uri;
  destination: Destination;
  /**
   * 'flow' for a phone reached through the flow its REGISTER came over: behind NAT, the Contact of
   * its 2xx names an address only it can see, so the dialog's requests (ACK, BYE) take the flow
   * too. Default 'target': a trunk or SIP URI is reached at its route set or Contact (§12.2.1.1).
   */
  reachedBy?: 'flow' | 'target';
  /** The caller as presented to the callee (no tag: the leg adds its own). */
  from: NameAddr;
  to: NameAddr;
  maxForwards: number;
  /**
   * Give up (and CANCEL) when the callee has not answered this long after the INVITE went out.
   * It runs from the start, not from the first ringing: once any provisional has come, RFC 3261
   * runs no timer of its own (Timer B stops in Proceeding), so a callee that sent 100 Trying and
   * then nothing would hold the call forever.
   */
  ringTimeoutMs: number;
  /** Give up when not even a provisional response came back in this long: the next trunk is tried sooner than Timer B's 32 s. */
  progressTimeoutMs: number;
  headers?: HeaderField[];
  /** The caller's session description, offered as is (media anchoring rewrites it before). */
  body?: Buffer;
  contentType?: string;
  /** The Authorization or Proxy-Authorization answering a 401/407, or undefined when we cannot. */
  answerChallenge?: (challenge: SipResponse, request: SipRequest) => HeaderField | undefined;
  /** Told as the INVITE goes out and as provisionals come back (a <Dial> noun's progress events). */
  observer?: LegObserver;
}

export interface LegObserver {
  started(): void;
  provisional(status: number): void;
}

export type DialOutcome =
  | { kind: 'answered'; response: SipResponse; dialog: Dialog }
  | { kind: 'rejected'; status: number; reason: string; response: SipResponse }
  /** Rang but nobody answered within the ring timeout. */
  | { kind: 'no-answer' }
  /** No response at all (progress timeout or Timer B). */
  | { kind: 'timeout' }
  | { kind: 'transport-error'; error: string }
  | { kind: 'cancelled' }
  /** The media relay did not take the offer or the answer; the callee's leg, if it answered, was hung up. */
  | { kind: 'media-unavailable'; reason: string };

export interface OutgoingLegEvents {
  onProvisional?(response: SipResponse): void;
  /** The answering 2xx came again: our ACK was lost or not sent yet (§13.2.2.4), so the session re-sends it. */
  onAnswerRetransmitted?(response: SipResponse): void;
}

export class OutgoingLeg {
  readonly callId: string;
  readonly localTag = generateTag();
  readonly #layer: TransactionLayer;
  readonly #target: DialTarget;
  /** Cleared once the session no longer wants them: the INVITE transaction outlives the call (see release()). */
  #events: OutgoingLegEvents;
  readonly #contact: string;
  /** Every INVITE transaction of this leg, the current one last (a second one answers a digest challenge). */
  readonly #transactions: ClientTransaction[] = [];
  #seq = 1;
  #challenged = false;
  #settled = false;
  #accepted: Dialog | undefined;
  /** Remote tags of 2xx we answered with ACK + BYE because they came after we gave up. */
  readonly #unwanted = new Set<string>();
  #ringTimer: NodeJS.Timeout | undefined;
  #progressTimer: NodeJS.Timeout | undefined;
  #resolve: (outcome: DialOutcome) => void = () => undefined;
  /** Made at the first reliable provisional: most callees send none. */
  #pracks: CalleePracks | undefined;
  /** Settles once; later events (a 2xx after we gave up) are cleaned up, not reported. */
  readonly outcome: Promise<DialOutcome>;

  constructor(layer: TransactionLayer, target: DialTarget, contact: string, events: OutgoingLegEvents = {}) {
    this.#layer = layer;
    this.#target = target;
    this.#events = events;
    this.#contact = contact;
    this.callId = newCallId(layer.transport.sentBy.split(':')[0] ?? 'switchyard');
    this.outcome = new Promise((resolve) => (this.#resolve = resolve));
  }

  start(): Promise<DialOutcome> {
    this.#send(this.#invite([]));
    this.#progressTimer = setTimeout(() => this.#giveUp({ kind: 'timeout' }), this.#target.progressTimeoutMs);
    this.#ringTimer = setTimeout(() => this.#giveUp({ kind: 'no-answer' }), this.#target.ringTimeoutMs);
    return this.outcome;
  }

  /**
   * The call is over. The INVITE transaction stays for up to 32 s more (RFC 6026's Accepted state,
   * Timer D after a non-2xx) and must still ACK a retransmitted 2xx (and end a late one). From
   * now on it does so with callbacks that hold only the answering dialog, not this leg and
   * through it the call (at 500 calls a second, that was ~16,000 finished calls in memory).
   */
  release(): void {
    this.#events = {};
    for (const transaction of this.#transactions) {
      transaction.replaceCallbacks(lateAnswers(this.#layer, transaction, this.#accepted?.remoteTag, this.#target.destination, this.#target.reachedBy));
    }
  }

  /** The INVITE has its final response (and a non-2xx its ACK): nothing of this leg waits on the wire. */
  get inviteFinished(): boolean {
    const state = this.#transactions.at(-1)?.state;
    return state !== 'calling' && state !== 'proceeding';
  }

  /** CANCEL the INVITE (§9.1 waits for a provisional response first); the outcome becomes cancelled. */
  cancel(): void {
    this.#giveUp({ kind: 'cancelled' });
  }

  #invite(extra: HeaderField[]): SipRequest {
    const target = this.#target;
    const from: NameAddr = { ...target.from, params: new Map(target.from.params).set('tag', this.localTag) };
    const offers = target.body !== undefined && target.body.length > 0;
    const own = [...extra, ...(target.headers ?? [])];
    const headers: HeaderField[] = [
      { name: 'Max-Forwards', value: String(target.maxForwards) },
      { name: 'From', value: formatNameAddr(from) },
      { name: 'To', value: formatNameAddr({ ...target.to, params: new Map() }) },
      { name: 'Call-ID', value: this.callId },
      { name: 'CSeq', value: `${this.#seq} INVITE` },
      { name: 'Contact', value: this.#contact },
      { name: 'Allow', value: 'INVITE, ACK, CANCEL, BYE, OPTIONS' },
      // Reliable provisionals only with our offer out (callee-pracks.ts says why).
      ...(offers ? supporting100rel(own) : own),
    ];
    if (offers) headers.push({ name: 'Content-Type', value: target.contentType ?? 'application/sdp' });
    return { kind: 'request', method: 'INVITE', uri: target.requestUri, version: 'SIP/2.0', headers, body: target.body ?? Buffer.alloc(0) };
  }

  #send(invite: SipRequest): void {
    const transaction = this.#layer.sendRequest(invite, this.#target.destination, {
      onProvisional: (response) => this.#provisional(transaction.request, response),
      // The transaction's request: after the final response it keeps only what a dialog needs.
      onFinal: (response) => this.#final(transaction.request, response),
      onTimeout: () => this.#giveUp({ kind: 'timeout' }),
      onTransportError: (error) => this.#giveUp({ kind: 'transport-error', error }),
    });
    this.#transactions.push(transaction);
  }

  #provisional(invite: SipRequest, response: SipResponse): void {
    clearTimeout(this.#progressTimer);
    if (this.#settled) return;
    if (response.status > 100 && requires100rel(response)) {
      this.#pracks ??= new CalleePracks(this.#layer, this.#target.destination, this.#target.reachedBy);
      if (!this.#pracks.receive(invite, response)) return;
    }
    if (response.status > 100) this.#events.onProvisional?.(response);
  }

  #final(invite: SipRequest, response: SipResponse): void {
    clearTimeout(this.#progressTimer);
    if (response.status >= 200 && response.status < 300) {
      this.#answered(invite, response);
      return;
    }
    if (this.#settled) return;
    if ((response.status === 401 || response.status === 407) && !this.#challenged) {
      this.#challenged = true;
      const authorization = this.#target.answerChallenge?.(response, invite);
      if (authorization) {
        this.#seq += 1;
        this.#send(this.#invite([authorization]));
        return;
      }
    }
    this.#settle({ kind: 'rejected', status: response.status, reason: response.reason, response });
  }

  /** A 2xx: ours to report, or (after we gave up, or a retransmission) one to ACK and, if unwanted, end. */
  #answered(invite: SipRequest, response: SipResponse): void {
    const dialog = uacDialog(invite, response, this.#target.destination, this.#target.reachedBy);
    if (!dialog) {
      if (!this.#settled) this.#settle({ kind: 'rejected', status: 502, reason: 'Bad Gateway (unusable 2xx)', response });
      return;
    }
    this.#pracks?.continueSequence(dialog);
    const accepted = this.#accepted;
    if (accepted?.remoteTag === dialog.remoteTag) {
      if (this.#events.onAnswerRetransmitted) this.#events.onAnswerRetransmitted(response);
      else ackAgain(this.#layer, accepted);
      return;
    }
    if (this.#settled) {
      endUnwanted(this.#layer, dialog, this.#unwanted);
      return;
    }
    this.#accepted = dialog;
    this.#settle({ kind: 'answered', response, dialog });
  }

  #giveUp(outcome: DialOutcome): void {
    if (this.#settled) return;
    const transaction = this.#transactions.at(-1);
    if (transaction && (transaction.state === 'calling' || transaction.state === 'proceeding')) {
      this.#layer.cancel(transaction, this.#target.destination);
    }
    this.#settle(outcome);
  }

  #settle(outcome: DialOutcome): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#ringTimer);
    clearTimeout(this.#progressTimer);
    // Unanswered, there is nothing more to tell the session (see release()).
    if (outcome.kind !== 'answered') this.release();
    this.#resolve(outcome);
  }

  /** The Request-URI as dialled, for logs and webhooks. */
  get dialled(): string {
    return formatUri(this.#target.requestUri);
  }
}

function ackAgain(layer: TransactionLayer, accepted: Dialog): void {
  void layer.sendAck(inDialogRequest(accepted, 'ACK', { seq: accepted.localSeq }), accepted.destination);
}

/**
 * The callee answered after we cancelled or timed out (the CANCEL crossed the 200), or a second
 * branch of a fork answered: ACK it and hang up, once per dialog.
 */
function endUnwanted(layer: TransactionLayer, dialog: Dialog, ended: Set<string>): void {
  void layer.sendAck(inDialogRequest(dialog, 'ACK', { seq: dialog.localSeq }), dialog.destination);
  if (ended.has(dialog.remoteTag)) return;
  ended.add(dialog.remoteTag);
  layer.sendRequest(inDialogRequest(dialog, 'BYE'), dialog.destination);
}

/**
 * What a released leg's INVITE transaction still does with a 2xx: ACK our answer again (the
 * retransmission builds the same dialog, so only its tag is kept, copied off the 2xx's text), and
 * end any other.
 */
function lateAnswers(layer: TransactionLayer, transaction: ClientTransaction, answeredTag: string | undefined, destination: Destination, reachedBy: DialTarget['reachedBy']): ClientTransactionCallbacks {
  const accepted = answeredTag === undefined ? undefined : detachedString(answeredTag);
  const ended = new Set<string>();
  return {
    onFinal: (response) => {
      if (response.status < 200 || response.status >= 300) return;
      const dialog = uacDialog(transaction.request, response, destination, reachedBy);
      if (!dialog) return;
      if (dialog.remoteTag === accepted) ackAgain(layer, dialog);
      else endUnwanted(layer, dialog, ended);
    },
  };
}
