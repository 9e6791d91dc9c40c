// A call the REST API places (Twilio's Calls.json; Direction outbound-api). The party `To` names is
// rung through the outbound trunks for a number, or at a SIP URI (answering its digest challenge
// with SipAuthUsername and SipAuthPassword, as the Bandwidth seed's network bridge asks). Our INVITE
// offers nothing: we have no media of our own, so the party's 2xx carries the offer (RFC 3725 §4.1).
// Then the account's TwiML is fetched with CallStatus in-progress and carried out as for a call that
// came in: a <Dial> rings its callee with the party's offer, and the callee's answer goes back in
// our ACK (origin-leg.ts). Whatever else ends the TwiML refuses the offer in the ACK and hangs up.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Webhook } from '../../../api/routing/schema.ts';
import type { CallEnd, CallSession } from '../b2bua/call-session.ts';
import { bodyHeaders } from '../b2bua/caller-leg.ts';
import { OriginLeg } from '../b2bua/origin-leg.ts';
import { OutgoingLeg } from '../b2bua/outgoing-leg.ts';
import type { DialOutcome, DialTarget as LegTarget } from '../b2bua/outgoing-leg.ts';
import type { CarrierEventDelivery } from '../carrier-events/event-delivery.ts';
import type { ConnectedCallee } from '../carrier-events/phone-call-event.ts';
import type { MediaAnchoring } from '../media/media-anchoring.ts';
import { sdpOf } from '../media/sdp-body.ts';
import type { Registrar } from '../registrar/registrar.ts';
import type { WebhookCall } from '../router/inbound/inbound-decision.ts';
import { normalizeDialedNumber } from '../router/outbound/number-normalization.ts';
import type { RoutingView } from '../routing/routing-view.ts';
import type { SipRequest } from '../sip/message.ts';
import type { TransactionLayer } from '../sip/transaction-layer.ts';
import type { TransportKind } from '../sip/transport.ts';
import type { SipUri } from '../sip/uri.ts';
import type { CallDetails } from '../webhook/call-parameters.ts';
import { progressCallbackParameters } from '../webhook/call-parameters.ts';
import type { WorkerLogger } from '../worker/logger.ts';
import type { WorkerMetrics } from '../worker/metrics.ts';
import type { SipWorker } from '../worker/sip-worker.ts';
import type { CallContext, CallHandlingSettings } from './call-context.ts';
import { newCallSid, signalOfCall } from './call-context.ts';
import type { CallLedger } from './call-ledger.ts';
import { CallProgress } from './call-progress.ts';
import { COMPLETED_ONLY } from '../webhook/progress-events.ts';
import { statusCallbackOf } from './call-ledger.ts';
import { INLINE_TWIML_URL } from './inline-twiml.ts';
import { TwimlRedirects } from './twiml-redirect.ts';
import type { RedirectTarget } from './twiml-redirect.ts';
import type { ProgressEvent } from '../webhook/progress-events.ts';
import { finalCallStatus, sendStatusCallback } from './call-status.ts';
import { presentedCaller } from './callee-leg-target.ts';
import { dialSipUri, dialThroughTrunks } from './dial.ts';
import { failure } from './dial-result.ts';
import type { DialFailure } from './dial-result.ts';
import type { PushCalls } from './push-wake.ts';
import { reportEnded } from './call-event.ts';
import type { EndedCall } from './call-event.ts';
import { runVoiceTwiml } from './voice-twiml.ts';
import { runTwiml } from './twiml-runner.ts';
import type { TwimlDocument } from '../twiml/twiml-verbs.ts';

export interface PlacedCallRequest {
  account: { name: string; sid: string; authToken: string };
  /** An E.164 number (or one the carrier's national rules make E.164), or a sip: URI. */
  to: string;
  /** The caller ID the party sees. */
  from: string;
  /** Where the TwiML comes from once the party answers; or, without it, `twiml`. */
  voice?: Webhook;
  /** The TwiML itself (Twilio's Twiml parameter), when no `voice` URL is given. */
  twiml?: TwimlDocument;
  fallback?: Webhook;
  statusCallback?: Webhook;
  /** The progress events `statusCallback` gets (Twilio's StatusCallbackEvent); absent: completed alone. */
  statusCallbackEvents?: ReadonlySet<ProgressEvent>;
  /** For a sip: `to` that challenges: the credentials to answer with. */
  sipAuth?: { username: string; password: string };
  /** How long the party may ring, in seconds (Twilio's Timeout, default 60). */
  timeoutSeconds: number;
  /** How long the call may last from the party's answer, in seconds (Twilio's TimeLimit); absent: the worker's own limit once bridged. */
  timeLimitSeconds?: number;
}

export interface CallPlacerDeps {
  layer: TransactionLayer;
  worker: Pick<SipWorker, 'placedSession'>;
  contact: (transport: TransportKind) => string;
  settings: CallHandlingSettings;
  metrics: WorkerMetrics;
  log: WorkerLogger;
  media: MediaAnchoring | undefined;
  registrar: Registrar | undefined;
  push: PushCalls | undefined;
  events: CarrierEventDelivery | undefined;
  /** The calls the REST API can fetch and end. */
  ledger: CallLedger | undefined;
}

/** One placed call's handles for ending it early: the party's legs while they ring, the session once it answered. */
interface PlacedCallControl {
  /** The account ended the call before the party answered: no further leg rings. */
  terminated: boolean;
  readonly ringing: Set<OutgoingLeg>;
  session?: CallSession<OriginLeg>;
  /** Once the party answered and its TwiML runs: where the REST API's redirects go. */
  redirects?: TwimlRedirects;
}

/** A call placed: its SID at once, and `done` once its TwiML has bridged or ended it (never rejects). */
export interface PlacedCall {
  callSid: string;
  done: Promise<void>;
}

type Answered = Extract<DialOutcome, { kind: 'answered' }>;

const INLINE_TWIML: Webhook = { url: INLINE_TWIML_URL, method: 'POST' };

/** The placed call's parties as its webhooks and events see them, before any session exists. */
function placedCallFacts(request: PlacedCallRequest, callSid: string): { call: WebhookCall; details: CallDetails } {
  const call: WebhookCall = {
    kind: 'webhook',
    origin: { kind: 'api' },
    account: request.account,
    voice: request.voice ?? INLINE_TWIML,
    ...(request.fallback ? { fallback: request.fallback } : {}),
    ...(request.statusCallback ? { statusCallback: request.statusCallback } : {}),
    to: request.to,
    from: request.from,
    forwardCustomHeaders: false,
  };
  return { call, details: { callSid, accountSid: request.account.sid, from: request.from, to: request.to, headers: [], direction: 'outbound-api' } };
}

/** Our INVITE's terms, as the callee legs of its <Dial> take them on, with the party's offer as the body. */
function termsOf(requestUri: SipUri, answer: Answered): SipRequest {
  return {
    kind: 'request',
    method: 'INVITE',
    uri: requestUri,
    version: 'SIP/2.0',
    headers: [{ name: 'Max-Forwards', value: '70' }, ...bodyHeaders(answer.response)],
    body: answer.response.body,
  };
}

/** Ends the call at `deadline` (epoch ms) whatever it is doing then: its TwiML running, or bridged. */
function endAtTimeLimit(session: CallSession, deadline: number): void {
  const timer = setTimeout(() => session.terminate(), Math.max(0, deadline - Date.now()));
  timer.unref();
  void session.ended.then(() => clearTimeout(timer));
}

/**
 * How a placed call ended, once its party answered: completed, and answered since the party's 2xx,
 * as Twilio reports the parent call whatever its TwiML then did (the session counts its own answer
 * from the <Dial>'s, and calls a call it never bridged refused).
 */
function answeredPlacedCall(end: CallEnd, answeredAt: number): CallEnd {
  return { ...end, reason: 'completed', callerStatus: 200, answeredAt, hangupBy: end.hangupBy ?? 'worker' };
}

export class CallPlacer {
  readonly #deps: CallPlacerDeps;
  /** Every placed call until it has bridged or ended. */
  readonly #placing = new Set<Promise<void>>();
  /** The parties' legs still ringing. */
  readonly #ringing = new Set<OutgoingLeg>();
  /** The party's answered legs, for re-sending our ACK when their 2xx comes again. */
  readonly #origins = new WeakMap<OutgoingLeg, OriginLeg>();

  constructor(deps: CallPlacerDeps) {
    this.#deps = deps;
  }

  place(view: RoutingView, request: PlacedCallRequest): PlacedCall {
    const callSid = newCallSid();
    const log = this.#deps.log.child({ callSid });
    const control: PlacedCallControl = { terminated: false, ringing: new Set() };
    const completedTo = (request.statusCallbackEvents ?? COMPLETED_ONLY).has('completed') ? request.statusCallback : undefined;
    this.#deps.ledger?.opened({ sid: callSid, accountSid: request.account.sid, from: request.from, to: request.to, direction: 'outbound-api', ...statusCallbackOf(completedTo) }, 'queued', {
      hangUp: () => this.#hangUp(control),
      // While the party rings there is no TwiML running to replace.
      redirect: (target: RedirectTarget) => control.redirects?.request(target) ?? 'dialing',
    });
    const done = this.#run(view, request, callSid, control, log).catch((error: unknown) => {
      log.error({ err: error }, 'placed call failed');
      // A bug must not leave the call live in the ledger for ever (a no-op once it ended).
      this.#deps.ledger?.ended(callSid, 'failed', { endedAt: Date.now() });
    });
    this.#placing.add(done);
    void done.then(() => this.#placing.delete(done));
    return { callSid, done };
  }

  /** Resolves once every call placed so far has bridged or ended: a draining worker waits for the parties still ringing too. */
  async settled(): Promise<void> {
    await Promise.all([...this.#placing]);
  }

  /** How many parties are being rung now. */
  get ringing(): number {
    return this.#ringing.size;
  }

  /**
   * Cancels the parties still ringing (a stopping worker): each gets its CANCEL rather than an
   * INVITE nobody will answer for. Resolves once their INVITEs have their final responses (the
   * 487s ACKed), or after `withinMs`, so the transport is not closed under them.
   */
  async cancelRinging(withinMs: number): Promise<void> {
    const legs = [...this.#ringing];
    for (const leg of legs) leg.cancel();
    const deadline = Date.now() + withinMs;
    while (legs.some((leg) => !leg.inviteFinished) && Date.now() < deadline) await sleep(20);
  }

  /** The account ends the call (REST API): an answered call is hung up; a party still ringing is cancelled, and no other trunk is tried. */
  #hangUp(control: PlacedCallControl): void {
    if (control.session) {
      control.session.terminate();
      return;
    }
    control.terminated = true;
    for (const leg of control.ringing) leg.cancel();
  }

  /** The call's progress events, each posted to its StatusCallback (when it has one) as it is reached. */
  #progress(request: PlacedCallRequest, details: CallDetails, log: WorkerLogger): CallProgress {
    const { settings } = this.#deps;
    const target = request.statusCallback;
    return new CallProgress(request.statusCallbackEvents ?? COMPLETED_ONLY, (status, sequenceNumber) => {
      if (!target) return;
      void sendStatusCallback(target, progressCallbackParameters(details, status, new Date(), sequenceNumber), request.account.authToken, { settings, log }, 'status callback failed', { status });
    });
  }

  async #run(view: RoutingView, request: PlacedCallRequest, callSid: string, control: PlacedCallControl, log: WorkerLogger): Promise<void> {
    const { call, details } = placedCallFacts(request, callSid);
    const startedAt = Date.now();
    const progress = this.#progress(request, details, log);
    const rang = await this.#ringParty(view, request, callSid, { control, progress }, log);
    if (rang.kind !== 'answered') {
      log.info({ status: rang.status, reason: rang.reason }, 'placed call not answered');
      this.#unanswered({ call, details, log, progress, settings: this.#deps.settings, session: { callSid, startedAt } }, rang);
      return;
    }
    const { answer, requestUri, leg, party } = rang;
    if (!sdpOf(answer.response)) {
      // Our INVITE offered nothing, so its 2xx had to (RFC 3261 §13.2.1): there is nothing to bridge.
      log.warn('the party answered without a session description; hung up');
      const refused = failure(488, 'Not Acceptable Here - No Offer In The Answer');
      this.#session(leg, answer, requestUri, callSid, log).reject(refused.status, refused.reason);
      leg.release();
      this.#unanswered({ call, details, log, progress, settings: this.#deps.settings, session: { callSid, startedAt } }, refused);
      return;
    }
    const answeredAt = Date.now();
    this.#deps.ledger?.progressed(callSid, 'in-progress');
    progress.reached('answered');
    const session = this.#session(leg, answer, requestUri, callSid, log);
    control.session = session;
    if (this.#deps.ledger) control.redirects = new TwimlRedirects(session);
    void session.ended.then(() => leg.release());
    // Ended by the account as the party answered: the answer is refused in our ACK, then BYE.
    if (control.terminated) session.terminate();
    if (request.timeLimitSeconds !== undefined) endAtTimeLimit(session, answeredAt + request.timeLimitSeconds * 1000);
    await this.#runTwiml(session, view, { call, details, answeredAt, party, progress, inline: request.twiml, redirects: control.redirects }, log);
  }

  /** The party's leg, over the trunks for a number or at a SIP URI, offering nothing. */
  async #ringParty(view: RoutingView, request: PlacedCallRequest, callSid: string, { control, progress }: { control: PlacedCallControl; progress: CallProgress }, log: WorkerLogger): Promise<{ kind: 'answered'; answer: Answered; requestUri: SipUri; leg: OutgoingLeg; party: ConnectedCallee } | DialFailure> {
    const { settings, metrics } = this.#deps;
    const deadline = Date.now() + request.timeoutSeconds * 1000;
    let answeredLeg: { leg: OutgoingLeg; requestUri: SipUri } | undefined;
    const ringing = {
      settings, metrics, log, view,
      session: {
        dial: async (target: LegTarget): Promise<DialOutcome> => {
          if (control.terminated) return { kind: 'cancelled' };
          this.#deps.ledger?.progressed(callSid, 'ringing');
          progress.reached('initiated');
          const leg = new OutgoingLeg(this.#deps.layer, target, this.#deps.contact(target.destination.transport), {
            onAnswerRetransmitted: () => this.#origins.get(leg)?.answerRetransmitted(),
            onProvisional: (response) => {
              if (response.status === 180 || response.status === 183) progress.reached('ringing');
            },
          });
          this.#ringing.add(leg);
          control.ringing.add(leg);
          const outcome = await leg.start().finally(() => {
            this.#ringing.delete(leg);
            control.ringing.delete(leg);
          });
          if (outcome.kind === 'answered') answeredLeg = { leg, requestUri: target.requestUri as SipUri };
          return outcome;
        },
      },
    };
    const leg = (requestUri: SipUri, callerId: string): Omit<LegTarget, 'destination'> => ({
      requestUri,
      from: presentedCaller(callerId, settings.localHost),
      to: { uri: requestUri, params: new Map() },
      maxForwards: 70,
      ringTimeoutMs: Math.max(1, deadline - Date.now()),
      progressTimeoutMs: settings.trunkProgressTimeoutMs,
      headers: [{ name: 'X-Switchyard-Call-Sid', value: callSid }],
    });
    let result: { kind: 'answered'; outcome: Answered; party: ConnectedCallee } | DialFailure;
    if (/^sips?:/i.test(request.to)) {
      const rang = await dialSipUri(ringing, request.to, request.sipAuth ?? {}, deadline, (requestUri) => leg(requestUri, request.from));
      result = rang.kind === 'answered' ? { ...rang, party: { kind: 'sip', uri: request.to } } : rang;
    } else {
      const number = normalizeDialedNumber(request.to, view.carrier);
      if (number === undefined) return failure(484, 'Address Incomplete - Not A Number');
      const rang = await dialThroughTrunks(ringing, number, request.from, deadline, leg);
      result = rang.kind === 'answered' ? { ...rang, party: { kind: 'trunk', trunk: rang.trunk, number } } : rang;
    }
    if (result.kind !== 'answered' || !answeredLeg) return result.kind === 'answered' ? failure(500, 'Server Internal Error') : result;
    return { kind: 'answered', answer: result.outcome, requestUri: answeredLeg.requestUri, leg: answeredLeg.leg, party: result.party };
  }

  #session(leg: OutgoingLeg, answer: Answered, requestUri: SipUri, callSid: string, log: WorkerLogger): CallSession<OriginLeg> {
    const { layer } = this.#deps;
    // The party gives up on its 2xx after 64·T1 without our ACK (RFC 3261 §13.3.1.4); ours goes out before.
    const ackDeadlineMs = Math.max(1000, 64 * layer.timers.t1 - 2000);
    const session: CallSession<OriginLeg> = this.#deps.worker.placedSession(() => {
      const origin = new OriginLeg(layer, answer.dialog, termsOf(requestUri, answer), ackDeadlineMs, () => session.reject(408, 'Request Timeout - Nobody Answered In Time'));
      this.#origins.set(leg, origin);
      return origin;
    }, callSid, log);
    return session;
  }

  /** `inline`: the TwiML that came with the request, run without fetching the voice URL. */
  async #runTwiml(session: CallSession<OriginLeg>, view: RoutingView, placed: { call: WebhookCall; details: CallDetails; answeredAt: number; party: ConnectedCallee; progress: CallProgress; inline: TwimlDocument | undefined; redirects: TwimlRedirects | undefined }, log: WorkerLogger): Promise<void> {
    const { call, details, answeredAt, party, progress, inline, redirects } = placed;
    const { settings, metrics, media, registrar, push, events } = this.#deps;
    const context: CallContext = {
      session, call, view, details, settings, log, metrics, signal: signalOfCall(session), party, progress,
      ...(registrar === undefined ? {} : { registrar }), ...(push === undefined ? {} : { push }),
      ...(this.#deps.ledger === undefined ? {} : { ledger: this.#deps.ledger }),
      ...(redirects === undefined ? {} : { redirects }),
    };
    void session.ended.then((sessionEnd) => {
      const end = answeredPlacedCall(sessionEnd, answeredAt);
      metrics.placedCalls.inc({ status: finalCallStatus(end) });
      return reportEnded(context, end, { events, ledger: this.#deps.ledger });
    });
    // Ended by the account as its party answered (#run): nothing to run.
    if (session.state === 'ended') return;
    if (media) session.anchorMedia(media.forCall({ callId: session.callSid, callerTag: `${session.callSid}-party`, calleeTag: `${session.callSid}-callee` }, log));
    if (inline) await runTwiml(context, inline);
    else await runVoiceTwiml(context);
  }

  /** Nobody answered: the status callback and the carrier's event say why; there was never a session. */
  #unanswered(context: EndedCall, rang: DialFailure): void {
    const end: CallEnd = { reason: rang.callStatus === 'canceled' ? 'canceled' : 'rejected', callerStatus: rang.status, endedAt: Date.now() };
    this.#deps.metrics.placedCalls.inc({ status: finalCallStatus(end) });
    void reportEnded(context, end, { events: this.#deps.events, ledger: this.#deps.ledger });
  }
}
