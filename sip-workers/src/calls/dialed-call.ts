// The call a <Dial> noun makes (Twilio's child call), as its statusCallback hears of it: a CallSid
// of its own, ParentCallSid the call that dialed, Direction outbound-dial, From the caller ID it
// presents and To what the noun names. The events its statusCallbackEvent asks for are posted
// once each and numbered (call-progress.ts): initiated as its first INVITE goes out (a number's
// first trunk), ringing at its first 180 or 183, answered when it is connected, and completed
// when it ends: as the dial failed (busy, no-answer, failed, or canceled when another noun
// answered first), or, once connected, when the call ends, with its CallDuration.
import type { CallEnd } from '../b2bua/call-session.ts';
import type { LegObserver } from '../b2bua/outgoing-leg.ts';
import type { NounStatusCallback } from '../twiml/twiml-verbs.ts';
import type { CallDetails, FinalCallStatus, StatusCallbackStatus } from '../webhook/call-parameters.ts';
import { progressCallbackParameters, statusCallbackParameters } from '../webhook/call-parameters.ts';
import { postStatusCallback } from '../webhook/status-callback.ts';
import type { WebhookParams } from '../webhook/twilio-signature.ts';
import type { CallContext } from './call-context.ts';
import { newCallSid } from './call-context.ts';
import { CallProgress } from './call-progress.ts';
import type { DialFailure } from './dial-result.ts';

export class DialedCall {
  readonly #context: Pick<CallContext, 'call' | 'settings' | 'log'>;
  readonly #callback: NounStatusCallback;
  readonly #details: CallDetails;
  readonly #progress: CallProgress;

  constructor(context: Pick<CallContext, 'call' | 'details' | 'settings' | 'log'>, callback: NounStatusCallback, party: { from: string; to: string }) {
    this.#context = context;
    this.#callback = callback;
    this.#details = { callSid: newCallSid(), accountSid: context.details.accountSid, from: party.from, to: party.to, headers: [], direction: 'outbound-dial', parentCallSid: context.details.callSid };
    this.#progress = new CallProgress(callback.events, (status: StatusCallbackStatus, sequenceNumber) => this.#post(progressCallbackParameters(this.#details, status, new Date(), sequenceNumber), status));
  }

  get callSid(): string {
    return this.#details.callSid;
  }

  /** What this noun's legs tell as they ring. */
  readonly observer: LegObserver = {
    started: () => this.#progress.reached('initiated'),
    provisional: (status) => {
      if (status === 180 || status === 183) this.#progress.reached('ringing');
    },
  };

  /** Connected to the caller: answered now, completed when the call ends. */
  connected(ended: Promise<CallEnd>): void {
    this.#progress.reached('answered');
    void ended.then((end) => this.#completed('completed', end.endedAt, end.answeredAt === undefined ? undefined : (end.endedAt - end.answeredAt) / 1000, 200));
  }

  /** The noun's dial ended without connecting. */
  failed(failure: DialFailure): void {
    this.#completed(failure.callStatus, Date.now(), undefined, failure.status);
  }

  #completed(status: FinalCallStatus, endedAt: number, durationSeconds: number | undefined, sipResponseCode: number): void {
    const sequenceNumber = this.#progress.completed();
    if (sequenceNumber === undefined) return;
    this.#post(statusCallbackParameters(this.#details, { status, endedAt: new Date(endedAt), sequenceNumber, sipResponseCode, ...(durationSeconds === undefined ? {} : { durationSeconds }) }), status);
  }

  #post(params: WebhookParams, status: string): void {
    const { call, settings, log } = this.#context;
    void postStatusCallback({ target: this.#callback, params, authToken: call.account.authToken, signatureHeader: settings.signatureHeader, timeoutMs: settings.webhookTimeoutMs }).then((result) => {
      if (!result.ok) log.warn({ url: result.url, failure: result.failure, status, dialCallSid: this.#details.callSid }, '<Dial> noun status callback failed');
    });
  }
}
