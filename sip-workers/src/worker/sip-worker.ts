// The SIP worker's transaction user: every request that starts a transaction lands here and is
// dispatched by method and dialog. New INVITEs go through the pure inbound router and, when a
// webhook should decide, to the call handler; everything else is answered here.
import type { DigestAuthenticator } from '../auth/digest-authenticator.ts';
import { CallSession } from '../b2bua/call-session.ts';
import type { CallEnd } from '../b2bua/call-session.ts';
import { CallerLeg } from '../b2bua/caller-leg.ts';
import type { CallerSide } from '../b2bua/caller-side.ts';
import { dialogProblem } from '../b2bua/dialog.ts';
import { DialogRegistry } from '../b2bua/dialog-registry.ts';
import { unsupportedRequirements } from '../b2bua/session-timer-headers.ts';
import type { Registrar } from '../registrar/registrar.ts';
import type { WebhookCall } from '../router/inbound/inbound-decision.ts';
import { routeInbound } from '../router/inbound/route-inbound.ts';
import { newCallSid } from '../calls/call-context.ts';
import type { RoutingView } from '../routing/routing-view.ts';
import type { SipRequest } from '../sip/message.ts';
import { headerValue } from '../sip/message.ts';
import { toHeader } from '../sip/name-addr.ts';
import { maxForwardsHeader } from '../sip/scalar-headers.ts';
import type { ServerTransaction } from '../sip/server-transaction.ts';
import type { TransactionLayer, TransactionUser } from '../sip/transaction-layer.ts';
import type { TransportKind } from '../sip/transport.ts';
import { inboundRequestFacts } from './inbound-request-facts.ts';
import type { WorkerLogger } from './logger.ts';
import type { WorkerMetrics } from './metrics.ts';
import type { OverloadGuard } from './overload-guard.ts';

export const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO, PRACK';
/** Extensions a caller may require of a new call (session-timer-headers.ts, reliable-provisionals.ts). */
export const SUPPORTED = '100rel, timer';
const OVERLOADED = 'Service Unavailable - Overloaded';

/** Runs the webhook and TwiML part of an admitted call; resolves when the call has been answered or refused. */
export type CallHandler = (session: CallSession<CallerLeg>, call: WebhookCall, view: RoutingView) => Promise<void>;

export interface SipWorkerDeps {
  routing: () => RoutingView | undefined;
  authenticator: DigestAuthenticator;
  handleCall: CallHandler;
  metrics: WorkerMetrics;
  log: WorkerLogger;
  /** Our Contact for a leg over `transport`. */
  contact: (transport: TransportKind) => string;
  maxCallMs?: number;
  /** In-dialog OPTIONS to both parties of an answered call this often (dead call detection); 0 or absent: never. */
  keepaliveMs?: number;
  /** Answers REGISTER for SipDomain users; without it REGISTER gets 405. */
  registrar?: Registrar;
  /** Which new calls to refuse (503) for want of CPU, and whether OPTIONS says so; without it every call is taken. */
  overload?: Pick<OverloadGuard, 'overloaded' | 'admit'>;
  /** A call's caller got its 2xx (the call ledger moves it to in-progress). */
  onCallAnswered?: (callSid: string) => void;
}

export class SipWorker implements TransactionUser {
  readonly registry = new DialogRegistry<CallSession>();
  readonly #deps: SipWorkerDeps;
  readonly #pending = new Map<ServerTransaction, CallSession>();
  readonly #sessions = new Set<CallSession>();
  readonly #byCallSid = new Map<string, CallSession>();
  #layer: TransactionLayer | undefined;
  #draining = false;

  constructor(deps: SipWorkerDeps) {
    this.#deps = deps;
  }

  /** The layer is created with this TU, so it is attached right after. */
  attach(layer: TransactionLayer): void {
    this.#layer = layer;
  }

  get activeCalls(): number {
    return this.#sessions.size;
  }

  /** Refuse new calls (503) and let the ones in progress finish: the worker is shutting down. */
  drain(): Promise<void> {
    this.#draining = true;
    return Promise.all([...this.#sessions].map((session) => session.ended)).then(() => undefined);
  }

  /** Hangs up every call: the drain period is over. */
  hangupAll(): void {
    for (const session of this.#sessions) session.hangup('worker');
  }

  onRequest(request: SipRequest, transaction: ServerTransaction): void {
    this.#deps.metrics.requests.inc({ method: request.method });
    // §8.2.2.3: an extension the request requires and we do not honour is refused before anything
    // else. The registrar answers REGISTER's own (it honours none).
    const inDialog = toHeader(request)?.params.has('tag') === true;
    const unsupported = request.method === 'REGISTER' ? [] : unsupportedRequirements(request, request.method === 'INVITE' && !inDialog);
    if (unsupported.length > 0) {
      void transaction.reply(420, { headers: [{ name: 'Unsupported', value: unsupported.join(', ') }] });
      return;
    }
    if (inDialog) {
      this.#inDialog(request, transaction);
      return;
    }
    switch (request.method) {
      case 'INVITE':
        this.#newCall(request, transaction);
        return;
      case 'OPTIONS':
        // Carriers' SBCs probe with OPTIONS; a draining or overloaded worker says so, so they stop sending calls.
        // §11.2: what a call may use, as the INVITE would find it.
        void transaction.reply(this.#draining || this.#overloaded ? 503 : 200, { headers: [{ name: 'Allow', value: this.#allow }, { name: 'Accept', value: 'application/sdp' }, { name: 'Supported', value: SUPPORTED }] });
        return;
      case 'BYE':
      case 'UPDATE':
      case 'INFO':
      case 'PRACK':
        // Requests that only exist inside a dialog, arriving outside any (§12.2.2).
        void transaction.reply(481);
        return;
      case 'REGISTER':
        if (this.#deps.registrar) this.#register(this.#deps.registrar, request, transaction);
        else void transaction.reply(405, { headers: [{ name: 'Allow', value: this.#allow }] });
        return;
      default:
        void transaction.reply(405, { headers: [{ name: 'Allow', value: this.#allow }] });
    }
  }

  get #overloaded(): boolean {
    return this.#deps.overload?.overloaded === true;
  }

  get #allow(): string {
    return this.#deps.registrar ? `${ALLOW}, REGISTER` : ALLOW;
  }

  #register(registrar: Registrar, request: SipRequest, transaction: ServerTransaction): void {
    void registrar.register(request, transaction.source, this.#deps.routing()).then((answer) => {
      if (answer.digestFailure !== undefined) this.#deps.metrics.digestFailures.inc({ reason: answer.digestFailure });
      if (answer.status >= 300 && answer.status !== 401) {
        this.#deps.log.info({ status: answer.status, detail: answer.detail, callId: headerValue(request, 'Call-ID'), source: `${transaction.source.address}:${transaction.source.port}` }, 'REGISTER refused');
      }
      return transaction.reply(answer.status, { ...(answer.reason === undefined ? {} : { reason: answer.reason }), headers: answer.headers });
    });
  }

  onCancel(_cancel: SipRequest, invite: ServerTransaction): void {
    const session = this.#pending.get(invite);
    if (session) {
      session.onCancel();
      return;
    }
    // A re-INVITE being relayed is cancelled on the other side too; its 487 comes back from there.
    if (this.registry.find(invite.request)?.session.onCancelOf(invite) === true) return;
    void invite.reply(487);
  }

  onAck(ack: SipRequest): void {
    const member = this.registry.find(ack);
    member?.session.onAck(member.side, ack);
  }

  #inDialog(request: SipRequest, transaction: ServerTransaction): void {
    const member = this.registry.find(request);
    if (member) member.session.onInDialogRequest(member.side, request, transaction);
    else void transaction.reply(481);
  }

  #newCall(request: SipRequest, transaction: ServerTransaction): void {
    const maxForwards = maxForwardsHeader(request);
    if (maxForwards === 0) {
      void transaction.reply(483);
      return;
    }
    const noDialog = dialogProblem(request);
    if (noDialog !== undefined) {
      this.#deps.metrics.rejections.inc({ status: 400, reason: noDialog });
      void transaction.reply(400, { reason: `Bad Request - ${noDialog}` });
      return;
    }
    // A B2BUA resets Via, so §16.3's loop check cannot see our own hops: our B legs carry their
    // call's SID instead, and one arriving here while that call is still up went round.
    const loopedFrom = headerValue(request, 'X-Switchyard-Call-Sid');
    if (loopedFrom !== undefined && this.#byCallSid.has(loopedFrom)) {
      this.#deps.metrics.rejections.inc({ status: 482, reason: 'Loop Detected' });
      void transaction.reply(482);
      return;
    }
    if (this.#draining) {
      void transaction.reply(503, { reason: 'Service Unavailable - Draining', headers: [{ name: 'Retry-After', value: '5' }] });
      return;
    }
    if (this.#deps.overload?.admit() === false) {
      this.#deps.metrics.rejections.inc({ status: 503, reason: OVERLOADED });
      void transaction.reply(503, { reason: OVERLOADED, headers: [{ name: 'Retry-After', value: '1' }] });
      return;
    }
    const view = this.#deps.routing();
    if (!view) {
      void transaction.reply(503, { reason: 'Service Unavailable - No Routing Yet', headers: [{ name: 'Retry-After', value: '5' }] });
      return;
    }
    const facts = inboundRequestFacts(request, transaction.source, view, this.#deps.authenticator);
    const decision = routeInbound(facts, view);
    const log = this.#deps.log.child({ callId: headerValue(request, 'Call-ID'), source: `${transaction.source.address}:${transaction.source.port}` });
    if (decision.kind === 'reject') {
      this.#deps.metrics.rejections.inc({ status: decision.status, reason: decision.reason });
      if (facts.digest.kind === 'failed') this.#deps.metrics.digestFailures.inc({ reason: facts.digest.detail });
      log.info({ status: decision.status, detail: decision.detail }, 'call refused');
      void transaction.reply(decision.status, { reason: decision.reason });
      return;
    }
    if (decision.kind === 'challenge') {
      const challenge = this.#deps.authenticator.challenge(decision.realm, { stale: decision.stale });
      void transaction.reply(401, { headers: [{ name: 'WWW-Authenticate', value: challenge }] });
      return;
    }
    this.#startCall(transaction, decision, view, log);
  }

  #startCall(transaction: ServerTransaction, call: WebhookCall, view: RoutingView, log: WorkerLogger): void {
    const layer = this.#layer;
    if (!layer) throw new Error('SipWorker used before attach()');
    const started = performance.now();
    const session = this.#session((onNoPrack) => new CallerLeg(transaction, this.#deps.contact(transaction.source.transport), layer.timers, onNoPrack), newCallSid(), log, () => this.#pending.delete(transaction));
    this.#pending.set(transaction, session);
    log.debug({ to: call.to, from: call.from, account: call.account.name }, 'call admitted');
    this.#deps
      .handleCall(session, call, view)
      .catch((error: unknown) => {
        log.error({ err: error }, 'call handling failed');
        session.reject(500);
      })
      .finally(() => {
        this.#pending.delete(transaction);
        this.#deps.metrics.setupSeconds.observe((performance.now() - started) / 1000);
      });
  }

  /**
   * A session for a call this worker places (the REST API): on the same transaction layer and
   * dialogs as the calls that come in, counted, drained and hung up with them.
   */
  placedSession<Caller extends CallerSide>(caller: (onNoPrack: () => void) => Caller, callSid: string, log: WorkerLogger): CallSession<Caller> {
    return this.#session(caller, callSid, log);
  }

  #session<Caller extends CallerSide>(caller: (onNoPrack: () => void) => Caller, callSid: string, log: WorkerLogger, onEnd?: () => void): CallSession<Caller> {
    const layer = this.#layer;
    if (!layer) throw new Error('SipWorker used before attach()');
    const session = new CallSession(caller, callSid, {
      layer,
      registry: this.registry,
      contact: this.#deps.contact,
      ...(this.#deps.maxCallMs === undefined ? {} : { maxCallMs: this.#deps.maxCallMs }),
      onEnd: (ended, end) => {
        onEnd?.();
        this.#ended(ended, end, log);
      },
      ...(this.#deps.onCallAnswered === undefined ? {} : { onAnswer: (answered: CallSession) => this.#deps.onCallAnswered?.(answered.callSid) }),
      onMidCallAnswered: (method, status) => this.#deps.metrics.midCallRequests.inc({ method, status }),
      ...(this.#deps.keepaliveMs === undefined ? {} : { keepaliveMs: this.#deps.keepaliveMs }),
      onDialogLost: (side, loss) => {
        this.#deps.metrics.dialogsLost.inc({ side, loss });
        log.info({ callSid, side, loss }, 'call ended: a party no longer holds its dialog');
      },
    });
    this.#sessions.add(session);
    this.#byCallSid.set(session.callSid, session);
    this.#deps.metrics.activeCalls.set(this.#sessions.size);
    return session;
  }

  #ended(session: CallSession, end: CallEnd, log: WorkerLogger): void {
    this.#sessions.delete(session);
    this.#byCallSid.delete(session.callSid);
    this.#deps.metrics.activeCalls.set(this.#sessions.size);
    this.#deps.metrics.calls.inc({ end: end.reason, status: end.callerStatus });
    log.info({ end: end.reason, status: end.callerStatus, hangupBy: end.hangupBy, durationMs: end.answeredAt === undefined ? 0 : end.endedAt - end.answeredAt }, 'call ended');
  }
}
