// One call through the B2BUA: the caller's leg, the callee legs ringing (several at once when a
// <Dial> has several nouns) and the one that answered, and what happens between them. Whoever
// handles the call (webhook, TwiML) asks the session to dial, connect or reject; the session
// relays ringing, ACK, BYE and CANCEL between the legs, and what the answered legs send mid-call.
// With media anchored, every description crossing between the legs goes through the relay first.
import type { CallMedia } from '../media/call-media.ts';
import { isSdpContentType, sdpOf } from '../media/sdp-body.ts';
import type { HeaderField, SipRequest, SipResponse } from '../sip/message.ts';
import type { ServerTransaction } from '../sip/server-transaction.ts';
import type { TransactionLayer } from '../sip/transaction-layer.ts';
import type { TransportKind } from '../sip/transport.ts';
import { bodyHeaders } from './caller-leg.ts';
import type { CallerSide } from './caller-side.ts';
import { inDialogRequest } from './dialog.ts';
import { DialogKeepalive } from './dialog-keepalive.ts';
import type { DialogLoss } from './dialog-keepalive.ts';
import type { Dialog } from './dialog.ts';
import type { DialogRegistry, LegSide } from './dialog-registry.ts';
import { MidCallRelay, RELAYED_METHODS } from './mid-call-relay.ts';
import { OutgoingLeg } from './outgoing-leg.ts';
import type { DialOutcome, DialTarget } from './outgoing-leg.ts';

export type CallEndReason = 'completed' | 'rejected' | 'canceled' | 'failed';

export interface CallEnd {
  reason: CallEndReason;
  /** The final status the caller got (200 when the call was answered). */
  callerStatus: number;
  answeredAt?: number;
  endedAt: number;
  /** Who hung up an answered call. */
  hangupBy?: LegSide | 'worker';
}

export interface CallSessionDeps {
  layer: TransactionLayer;
  registry: DialogRegistry<CallSession>;
  /** Our Contact header value for a leg over `transport` (TLS has its own port). */
  contact: (transport: TransportKind) => string;
  /** An answered call is hung up by the worker after this long (default: Twilio's 4 hours). */
  maxCallMs?: number;
  onEnd?: (session: CallSession, end: CallEnd) => void;
  /** The caller got its 2xx: the call is answered. */
  onAnswer?: (session: CallSession) => void;
  /** Answered calls probe both dialogs with OPTIONS this often (0 or absent: never). */
  keepaliveMs?: number;
  /** A party's dialog was found gone by the keepalive; the call is being ended. */
  onDialogLost?: (side: LegSide, loss: DialogLoss) => void;
  /** A request inside the answered call was relayed and its sender got `status`. */
  onMidCallAnswered?: (method: string, status: number) => void;
}

/** Twilio's <Dial timeLimit> default: 4 hours. */
export const DEFAULT_MAX_CALL_MS = 4 * 3600 * 1000;

type State = 'routing' | 'dialing' | 'answered' | 'ended';

export class CallSession<Caller extends CallerSide = CallerSide> {
  /** Twilio's name for the call; B legs carry it in X-Switchyard-Call-Sid, which is how a call that loops back is recognised. */
  readonly callSid: string;
  readonly caller: Caller;
  /**
   * The caller's INVITE, whole, for as long as the call lasts: its transaction keeps only what
   * builds responses once the final one is sent (sip/retained-request.ts). For a call we placed,
   * the terms our INVITE set, with the offer its answerer made.
   */
  readonly callerInvite: SipRequest;
  readonly startedAt = Date.now();
  readonly ended: Promise<CallEnd>;
  readonly #deps: CallSessionDeps;
  #state: State = 'routing';
  /** Callee legs ringing now: one, or one per noun when a <Dial> rings several at once. */
  readonly #legs = new Set<OutgoingLeg>();
  /** The leg whose 2xx won (set as it arrives, before the relay has answered it): other legs are cancelled, later answers dropped. */
  #winner: OutgoingLeg | undefined;
  /** dial() calls under way, from the relay's offer to the leg's outcome: while any is, the relay session stays. */
  #dialsInFlight = 0;
  /** Moves on at cancelDials(), so a dial still waiting for the relay then does not ring. */
  #dialEpoch = 0;
  /** The leg that answered, released when the call ends (OutgoingLeg.release). */
  #answeredLeg: OutgoingLeg | undefined;
  #callee: Dialog | undefined;
  /** Where PRACKs find the call before it is answered (RFC 3262), when its provisionals go reliably. */
  #earlyDialog: { callId: string; localTag: string } | undefined;
  #answeredAt: number | undefined;
  #media: CallMedia | undefined;
  /** Re-INVITE, UPDATE, INFO and MESSAGE between the answered legs; made by the first of them (most calls have none). */
  #relay: MidCallRelay | undefined;
  /** Our ACK for the callee's 2xx has gone out: the call's first offer/answer exchange is over. */
  #calleeAcked = false;
  #keepalive: DialogKeepalive | undefined;
  /** Each side's session description as it last sent it (before the relay rewrote it). */
  readonly #descriptions: Record<LegSide, Buffer | undefined>;
  /** The CSeq number of our INVITE to the callee, which its ACK repeats. */
  #calleeInviteSeq = 0;
  /** The callee's 2xx carried the offer (the caller's INVITE had none): the caller's ACK carries the answer. */
  #lateOffer = false;
  /** What our ACK to the callee carried, sent again when its 2xx is retransmitted. */
  #calleeAck: { body: Buffer; headers: HeaderField[] } = { body: Buffer.alloc(0), headers: [] };
  #resolveEnd: (end: CallEnd) => void = () => undefined;
  /** Ends the call at its time limit; also what ends a call whose BYE never reached us. */
  #timeLimit: ReturnType<typeof setTimeout> | undefined;

  /** `caller` builds the calling side, given what to do when it never acknowledges a reliable provisional. */
  constructor(caller: (onNoPrack: () => void) => Caller, callSid: string, deps: CallSessionDeps) {
    this.callSid = callSid;
    this.#deps = deps;
    this.caller = caller(() => this.#noPrack());
    this.callerInvite = this.caller.request;
    // A PRACK comes in the early dialog, before the call is answered (RFC 3262).
    this.#earlyDialog = this.caller.earlyDialog;
    if (this.#earlyDialog) deps.registry.add(this.#earlyDialog.callId, this.#earlyDialog.localTag, { session: this, side: 'caller' });
    this.#descriptions = { caller: sdpOf(this.caller.request), callee: undefined };
    this.ended = new Promise((resolve) => (this.#resolveEnd = resolve));
  }

  get state(): State {
    return this.#state;
  }

  get cancelled(): boolean {
    return this.caller.cancelled;
  }

  /** Tells the caller it is ringing while the webhook or a dial is under way. */
  ring(): void {
    if (this.#state === 'routing' || this.#state === 'dialing') this.caller.ringing();
  }

  /** Anchors this call's media on a relay: offers and answers crossing the legs are rewritten, and the relay is released when the call ends. */
  anchorMedia(media: CallMedia): void {
    this.#media = media;
  }

  /**
   * Rings one target; the caller hears its ringing. Several dials may ring at once (a <Dial> with
   * several nouns): the first 2xx wins, the others are cancelled, and a dial that starts after it
   * (the next trunk of a losing noun) is cancelled at once, as is any once the caller has gone.
   */
  async dial(target: DialTarget): Promise<DialOutcome> {
    if (this.#state === 'ended' || this.cancelled || this.#winner) return { kind: 'cancelled' };
    this.#state = 'dialing';
    this.#dialsInFlight++;
    let outcome: DialOutcome;
    let leg: OutgoingLeg | undefined;
    let early: Promise<void>;
    try {
      ({ outcome, leg, early } = await this.#ring(target));
    } finally {
      this.#dialsInFlight--;
    }
    if (outcome.kind === 'answered' && leg) {
      if (this.#winner) {
        // Another leg answered first: this one is hung up, and the relay never hears of it.
        this.#dropAnswered(outcome.dialog);
        leg.release();
        return { kind: 'cancelled' };
      }
      this.#winner = leg;
      this.cancelDials();
      this.#keepAnswered(leg, outcome);
    }
    await early;
    const media = this.#media;
    // A failed dial gives the relay session back only when no other dial still uses it.
    if (leg && media && (outcome.kind === 'answered' || (this.#dialsInFlight === 0 && !this.#winner))) {
      const offered = target.body !== undefined && target.body.length > 0;
      outcome = await this.#anchorOutcome(media, outcome, offered);
    }
    if (this.#state === 'dialing' && this.#dialsInFlight === 0) this.#state = 'routing';
    return outcome;
  }

  /** The relay's offer for the target, then its leg until the leg's outcome. */
  async #ring(target: DialTarget): Promise<{ outcome: DialOutcome; leg?: OutgoingLeg; early: Promise<void> }> {
    const epoch = this.#dialEpoch;
    const media = this.#media;
    const offer = target.body !== undefined && target.body.length > 0 && isSdpContentType(target.contentType ?? 'application/sdp') ? target.body : undefined;
    let sent = target;
    if (media && offer) {
      const anchored = await media.offer(offer, 'caller');
      // The caller may have gone, or another leg answered, while the relay answered.
      if (this.state === 'ended' || this.cancelled || this.#winner || epoch !== this.#dialEpoch) return { outcome: { kind: 'cancelled' }, early: Promise.resolve() };
      if (!anchored.ok) return { outcome: { kind: 'media-unavailable', reason: anchored.reason }, early: Promise.resolve() };
      sent = { ...target, body: anchored.sdp };
    }
    // Provisional responses reach the caller in order even when one waits on the relay.
    let early = Promise.resolve();
    const { observer } = target;
    const leg = new OutgoingLeg(this.#deps.layer, sent, this.#deps.contact(sent.destination.transport), {
      onProvisional: (response) => {
        observer?.provisional(response.status);
        early = early.then(() => this.#relayProvisional(response));
      },
      onAnswerRetransmitted: () => this.#ackCallee(),
    });
    this.#legs.add(leg);
    observer?.started();
    const outcome = await leg.start();
    this.#legs.delete(leg);
    return { outcome, leg, early };
  }

  /**
   * Cancels every dial under way, including one still waiting for the relay: another leg answered,
   * the call is being refused, or one phone of several declined with a 6xx (§16.7 step 5).
   */
  cancelDials(): void {
    this.#dialEpoch++;
    for (const leg of this.#legs) leg.cancel();
  }

  /** An answering leg is released when the call ends, or now if it already has (others release themselves). */
  #keepAnswered(leg: OutgoingLeg, outcome: DialOutcome): void {
    if (outcome.kind !== 'answered') return;
    if (this.#state === 'ended') leg.release();
    else this.#answeredLeg = leg;
  }

  /** A 180/183 to the caller; early media in a 183 is answered on the relay first. */
  async #relayProvisional(response: SipResponse): Promise<void> {
    const media = this.#media;
    const sdp = sdpOf(response);
    if (!media || !sdp) {
      this.caller.ringing(response);
      return;
    }
    // An offer in a provisional (the caller sent none) is not relayed: it would give the caller the
    // callee's own address. The 2xx repeats it, and that one is anchored.
    const anchored = media.anchored ? await media.answer(sdp, 'callee') : { ok: false as const };
    // Without the relay's description the caller still hears that it rings, just not the early media.
    this.caller.ringing({ ...response, body: anchored.ok ? anchored.sdp : Buffer.alloc(0) });
  }

  /**
   * The relay's side of a dial's outcome: a failed attempt gives its session back (the next trunk
   * starts afresh); an answer is rewritten, or, when the callee's 2xx carries the offer because the
   * caller sent none, offered. A relay failure there ends the callee's leg: fail closed.
   */
  async #anchorOutcome(media: CallMedia, outcome: DialOutcome, callerOffered: boolean): Promise<DialOutcome> {
    if (outcome.kind !== 'answered') {
      await media.discard();
      return outcome;
    }
    const sdp = sdpOf(outcome.response);
    if (!sdp) return outcome;
    this.#descriptions.callee = sdp;
    this.#lateOffer = !callerOffered;
    const anchored = callerOffered ? await media.answer(sdp, 'callee') : await media.offer(sdp, 'callee');
    if (!anchored.ok) {
      this.#dropAnswered(outcome.dialog);
      await media.discard();
      return { kind: 'media-unavailable', reason: anchored.reason };
    }
    return { ...outcome, response: { ...outcome.response, body: anchored.sdp } };
  }

  /**
   * Bridges the caller to a callee that answered: the caller gets the callee's 2xx and session
   * description. False when the call could not take it (ended, or another callee came first): the
   * callee is then hung up on.
   */
  connect(outcome: Extract<DialOutcome, { kind: 'answered' }>): boolean {
    const callee = outcome.dialog;
    if (this.#state === 'ended' || this.cancelled) {
      this.#dropAnswered(callee);
      return false;
    }
    const dialog = this.caller.answer(outcome.response, () => this.hangup('worker', 408));
    if (!dialog) {
      this.#dropAnswered(callee);
      // Not answered, so not left without a final response either (SipWorker refuses such INVITEs up front).
      this.caller.reject(500);
      this.#finish({ reason: 'failed', callerStatus: 500 });
      return false;
    }
    this.#state = 'answered';
    this.#answeredAt = Date.now();
    this.#hangUpIn(this.#deps.maxCallMs ?? DEFAULT_MAX_CALL_MS);
    this.#callee = callee;
    this.#calleeInviteSeq = callee.localSeq;
    this.#descriptions.callee ??= sdpOf(outcome.response);
    const keepaliveMs = this.#deps.keepaliveMs ?? 0;
    if (keepaliveMs > 0) {
      this.#keepalive = new DialogKeepalive(this.#deps.layer, { caller: dialog, callee }, keepaliveMs, (side, loss) => {
        this.#deps.onDialogLost?.(side, loss);
        this.hangup('worker');
      });
    }
    this.#deps.registry.add(dialog.callId, dialog.localTag, { session: this, side: 'caller' });
    this.#deps.registry.add(callee.callId, callee.localTag, { session: this, side: 'callee' });
    // A caller side that bridged in an ACK of its own (a call we placed) needs no ACK from its party.
    if (this.caller.acked) this.#ackCallee();
    this.#deps.onAnswer?.(this);
    return true;
  }

  /**
   * Ends the answered call `limitMs` after its answer (a <Dial timeLimit>) when that comes before
   * the worker's own limit: BYE to both sides, as that limit does.
   */
  limitAnsweredTo(limitMs: number): void {
    if (this.#state !== 'answered' || this.#answeredAt === undefined || limitMs >= (this.#deps.maxCallMs ?? DEFAULT_MAX_CALL_MS)) return;
    this.#hangUpIn(Math.max(0, this.#answeredAt + limitMs - Date.now()));
  }

  /** The answered call's time limit: BYE to both sides `ms` from now, replacing any limit set before. */
  #hangUpIn(ms: number): void {
    clearTimeout(this.#timeLimit);
    this.#timeLimit = setTimeout(() => this.hangup('worker'), ms);
    this.#timeLimit.unref();
  }

  /** A final non-2xx to the caller; the call ends. */
  reject(status: number, reason?: string, headers: HeaderField[] = []): void {
    if (this.#state === 'ended') return;
    this.cancelDials();
    this.caller.reject(status, reason, headers);
    this.#finish({ reason: this.cancelled ? 'canceled' : 'rejected', callerStatus: status });
  }

  /** The caller's CANCEL (already answered 200 by the transaction layer): 487 to the caller, CANCEL to the callee. */
  onCancel(): void {
    if (this.#state === 'ended' || this.#state === 'answered') return;
    this.cancelDials();
    this.caller.reject(487);
    this.#finish({ reason: 'canceled', callerStatus: 487 });
  }

  /** An ACK in the call's dialogs: for a relayed re-INVITE's 2xx, or the caller's for the call's own. */
  onAck(side: LegSide, ack: SipRequest): void {
    if (this.#relay?.ack(side, ack) === true) return;
    if (side === 'caller') this.#onCallerAck(ack);
  }

  /** The caller's ACK for our 2xx: passed to the callee end to end, with its body (a late answer). */
  #onCallerAck(ack: SipRequest): void {
    if (!this.caller.acknowledge()) return;
    const media = this.#media;
    const sdp = sdpOf(ack);
    if (sdp) this.#descriptions.caller = sdp;
    if (!media || !sdp || !this.#lateOffer) {
      this.#ackCallee(ack);
      return;
    }
    void media.answer(sdp, 'caller').then((anchored) => {
      if (!anchored.ok) {
        this.hangup('worker', 503);
        return;
      }
      this.#ackCallee({ ...ack, body: anchored.sdp });
    });
  }

  /** A request inside the call's dialogs, from either side. */
  onInDialogRequest(side: LegSide, request: SipRequest, transaction: ServerTransaction): void {
    if (request.method === 'PRACK') {
      if (side === 'caller') this.caller.prack(request, transaction);
      else void transaction.reply(481);
      return;
    }
    if (request.method === 'BYE') {
      void transaction.reply(200);
      this.hangup(side);
      return;
    }
    if (request.method === 'OPTIONS') {
      void transaction.reply(200);
      return;
    }
    if (RELAYED_METHODS.has(request.method) && this.#state === 'answered') {
      this.#midCallRelay().relay(side, request, transaction);
      return;
    }
    void transaction.reply(501);
  }

  #midCallRelay(): MidCallRelay {
    const caller = this.caller.dialog;
    const callee = this.#callee;
    if (!caller || !callee) throw new Error('mid-call requests are relayed only once the call is answered');
    this.#relay ??= new MidCallRelay({
      layer: this.#deps.layer,
      contact: this.#deps.contact,
      dialogs: { caller, callee },
      ...(this.#media ? { media: this.#media } : {}),
      descriptions: this.#descriptions,
      onBroken: () => this.hangup('worker'),
      ...(this.#deps.onMidCallAnswered ? { onAnswered: this.#deps.onMidCallAnswered } : {}),
    }, { firstExchangeOpen: !this.#calleeAcked });
    return this.#relay;
  }

  /** A CANCEL for a re-INVITE this call is relaying; false when it is not one. */
  onCancelOf(transaction: ServerTransaction): boolean {
    return this.#relay?.cancel(transaction) === true;
  }

  /** Ends an answered call: BYE to whichever side did not hang up. */
  hangup(by: LegSide | 'worker', callerStatus = 200): void {
    if (this.#state !== 'answered') {
      if (this.#state !== 'ended') this.reject(by === 'worker' ? 503 : 487);
      return;
    }
    if (this.caller.pending) {
      this.#hangupBeforeCallerAnswered(by);
      return;
    }
    const caller = this.caller.dialog;
    if (by !== 'caller' && caller) this.#bye(caller);
    if (by !== 'callee' && this.#callee) this.#bye(this.#callee);
    this.#finish({ reason: 'completed', callerStatus, hangupBy: by });
  }

  /**
   * Ends the call at the account's request (the REST API): an answered call is hung up like any
   * other, one not yet answered stops ringing and its caller gets 487, and it ends canceled.
   */
  terminate(): void {
    if (this.#state === 'answered') {
      this.hangup('worker');
      return;
    }
    if (this.#state === 'ended') return;
    this.cancelDials();
    this.caller.reject(487, 'Request Terminated');
    this.#finish({ reason: 'canceled', callerStatus: 487 });
  }

  /**
   * The callee answered but its 2xx still waits for the caller's PRACK (RFC 3262 §3), so the
   * caller has no dialog to get a BYE in: its INVITE gets a final refusal instead (487 when the
   * caller itself ended the early dialog), and the callee its BYE unless it hung up.
   */
  #hangupBeforeCallerAnswered(by: LegSide | 'worker'): void {
    if (by !== 'callee' && this.#callee) this.#bye(this.#callee);
    const status = by === 'caller' ? 487 : 480;
    this.caller.reject(status, by === 'caller' ? 'Request Terminated' : 'Temporarily Unavailable - Callee Gone');
    this.#finish({ reason: 'failed', callerStatus: status, hangupBy: by });
  }

  /**
   * The caller never acknowledged a reliable provisional (RFC 3262 §3: reject with a 5xx). If the
   * callee answered meanwhile, its 2xx was waiting on that PRACK: the callee is hung up.
   */
  #noPrack(): void {
    if (this.#state === 'ended') return;
    if (this.#state === 'answered' && this.#callee) this.#bye(this.#callee);
    this.cancelDials();
    this.caller.reject(500, 'Server Internal Error - No PRACK');
    this.#finish({ reason: 'failed', callerStatus: 500 });
  }

  /** The end-to-end ACK for the callee's 2xx; a retransmitted 2xx gets the same ACK again, body included. */
  #ackCallee(ack?: SipRequest): void {
    const callee = this.#callee;
    if (!callee || !this.caller.acked) return;
    if (ack) this.#calleeAck = { body: ack.body, headers: bodyHeaders(ack) };
    const request = inDialogRequest(callee, 'ACK', { seq: this.#calleeInviteSeq, ...this.#calleeAck });
    void this.#deps.layer.sendAck(request, callee.destination);
    this.#calleeAcked = true;
    this.#relay?.initialExchangeDone();
  }

  #bye(dialog: Dialog): void {
    this.#deps.layer.sendRequest(inDialogRequest(dialog, 'BYE'), dialog.destination);
  }

  /** A callee's 2xx we will not bridge: ACK it (or it retransmits for 32 s) and hang up. */
  #dropAnswered(dialog: Dialog): void {
    void this.#deps.layer.sendAck(inDialogRequest(dialog, 'ACK', { seq: dialog.localSeq }), dialog.destination);
    this.#bye(dialog);
  }

  #finish(end: Omit<CallEnd, 'endedAt' | 'answeredAt'>): void {
    if (this.#state === 'ended') return;
    this.#state = 'ended';
    clearTimeout(this.#timeLimit);
    this.#relay?.stop();
    this.#keepalive?.stop();
    this.#answeredLeg?.release();
    this.caller.stop();
    const caller = this.caller.dialog;
    if (caller) this.#deps.registry.remove(caller.callId, caller.localTag);
    if (this.#earlyDialog) this.#deps.registry.remove(this.#earlyDialog.callId, this.#earlyDialog.localTag);
    if (this.#callee) this.#deps.registry.remove(this.#callee.callId, this.#callee.localTag);
    void this.#media?.release();
    const full: CallEnd = { ...end, endedAt: Date.now(), ...(this.#answeredAt === undefined ? {} : { answeredAt: this.#answeredAt }) };
    this.#deps.onEnd?.(this, full);
    this.#resolveEnd(full);
  }
}
