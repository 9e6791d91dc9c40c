// The call a <Dial> noun makes (Twilio's child call): a CallSid of its own (the DialCallSid its
// <Dial action> is told), ParentCallSid the call that dialed, Direction outbound-dial, From the
// caller ID it presents and To what the noun names. The call ledger keeps it beside its parent,
// so the REST API fetches and lists it (ParentCallSid). The noun's statusCallback, if it has one,
// hears of it as its statusCallbackEvent asks (call-progress.ts, each once, numbered): initiated
// as its first INVITE goes out (a number's first trunk), ringing at its first 180 or 183,
// answered when it is connected, and completed when it ends: as the dial failed (busy,
// no-answer, failed, or canceled when another noun answered first), or, once connected, when
// the call ends, with its CallDuration.
import type { CallEnd } from '../b2bua/call-session.ts';
import type { LegObserver } from '../b2bua/outgoing-leg.ts';
import type { NounStatusCallback } from '../twiml/twiml-verbs.ts';
import type { CallDetails, FinalCallStatus, StatusCallbackStatus } from '../webhook/call-parameters.ts';
import { progressCallbackParameters, statusCallbackParameters } from '../webhook/call-parameters.ts';
import type { WebhookParams } from '../webhook/twilio-signature.ts';
import type { CallContext } from './call-context.ts';
import { newCallSid } from './call-context.ts';
import { statusCallbackOf } from './call-ledger.ts';
import { CallProgress } from './call-progress.ts';
import { sendStatusCallback } from './call-status.ts';
import type { DialFailure } from './dial-result.ts';
import type { RedirectOutcome } from './twiml-redirect.ts';

export class DialedCall {
  readonly #context: Pick<CallContext, 'session' | 'call' | 'settings' | 'log' | 'ledger'>;
  readonly #callback: NounStatusCallback | undefined;
  readonly #details: CallDetails;
  readonly #progress: CallProgress | undefined;
  #connected = false;

  constructor(context: Pick<CallContext, 'session' | 'call' | 'details' | 'settings' | 'log' | 'ledger'>, callback: NounStatusCallback | undefined, party: { from: string; to: string }) {
    this.#context = context;
    this.#callback = callback;
    const { accountSid, callSid: parentCallSid } = context.details;
    this.#details = { callSid: newCallSid(), accountSid, from: party.from, to: party.to, headers: [], direction: 'outbound-dial', parentCallSid };
    if (callback) this.#progress = new CallProgress(callback.events, (status: StatusCallbackStatus, sequenceNumber) => this.#post(progressCallbackParameters(this.#details, status, new Date(), sequenceNumber), status));
    // Ending it through the REST API ends what it is part of: the connected call, or the <Dial>'s ringing.
    const hangUp = () => (this.#connected ? context.session.hangup('worker') : context.session.cancelDials());
    // Its TwiML is its parent's: there is none of its own to replace.
    const redirect = (): RedirectOutcome => (this.#connected ? 'connected' : 'dialing');
    const completedTo = callback?.events.has('completed') === true ? callback : undefined;
    context.ledger?.opened({ sid: this.callSid, accountSid, from: party.from, to: party.to, direction: 'outbound-dial', parentCallSid, ...statusCallbackOf(completedTo) }, 'queued', { hangUp, redirect });
  }

  get callSid(): string {
    return this.#details.callSid;
  }

  /** What this noun's legs tell as they ring. */
  readonly observer: LegObserver = {
    started: () => {
      this.#context.ledger?.progressed(this.callSid, 'ringing');
      this.#progress?.reached('initiated');
    },
    provisional: (status) => {
      if (status === 180 || status === 183) this.#progress?.reached('ringing');
    },
  };

  /** Connected to the caller: answered now, completed when the call ends. */
  connected(ended: Promise<CallEnd>): void {
    this.#connected = true;
    this.#context.ledger?.progressed(this.callSid, 'in-progress');
    this.#progress?.reached('answered');
    void ended.then((end) => this.#completed('completed', end.endedAt, end.answeredAt, 200));
  }

  /** The noun's dial ended without connecting. */
  failed(failure: DialFailure): void {
    this.#completed(failure.callStatus, Date.now(), undefined, failure.status);
  }

  #completed(status: FinalCallStatus, endedAt: number, answeredAt: number | undefined, sipResponseCode: number): void {
    this.#context.ledger?.ended(this.callSid, status, { endedAt, ...(answeredAt === undefined ? {} : { answeredAt }) });
    const sequenceNumber = this.#progress?.completed();
    if (sequenceNumber === undefined) return;
    const durationSeconds = answeredAt === undefined ? undefined : (endedAt - answeredAt) / 1000;
    this.#post(statusCallbackParameters(this.#details, { status, endedAt: new Date(endedAt), sequenceNumber, sipResponseCode, ...(durationSeconds === undefined ? {} : { durationSeconds }) }), status);
  }

  #post(params: WebhookParams, status: string): void {
    const target = this.#callback;
    if (!target) return;
    void sendStatusCallback(target, params, this.#context.call.account.authToken, this.#context, '<Dial> noun status callback failed', { status, dialCallSid: this.callSid });
  }
}
