// The carrier's phone_call.completed event for a call that ended: what the call handling learnt
// (the account, the origin, the callee a <Dial> connected) with how the session ended.
import { randomUUID } from 'node:crypto';
import type { CallEnd, CallSession } from '../b2bua/call-session.ts';
import type { CarrierEventDelivery } from '../carrier-events/event-delivery.ts';
import { phoneCallCompletedEvent, type CallOriginRecord } from '../carrier-events/phone-call-event.ts';
import type { CallContext } from './call-context.ts';
import type { CallLedger } from './call-ledger.ts';
import { finalCallStatus, postCallStatus } from './call-status.ts';

function originOf(context: Pick<CallContext, 'call' | 'party'>): CallOriginRecord {
  const origin = context.call.origin;
  if (origin.kind === 'api') return { kind: 'api', ...(context.party === undefined ? {} : { party: context.party }) };
  if (origin.kind === 'trunk') return { kind: 'trunk', inboundTrunk: origin.trunk.name };
  return { kind: 'domain', sipDomain: origin.domain.domain, ...(origin.username === undefined ? {} : { username: origin.username }) };
}

/** What reporting a call's end reads: a call's context, or for a placed call nobody answered what it had (there was no session). */
export type EndedCall = Pick<CallContext, 'call' | 'details' | 'settings' | 'log' | 'connected' | 'party' | 'progress'> & { session: Pick<CallSession, 'callSid' | 'startedAt'> };

export function reportCallEnd(context: Omit<EndedCall, 'details' | 'settings' | 'log'>, end: CallEnd, events: CarrierEventDelivery): void {
  const { session, call, connected } = context;
  events.enqueue(phoneCallCompletedEvent({
    callSid: session.callSid,
    accountSid: call.account.sid,
    from: call.from,
    to: call.to,
    origin: originOf(context),
    status: finalCallStatus(end),
    sipResponseCode: end.callerStatus,
    startedAt: session.startedAt,
    ...(end.answeredAt === undefined ? {} : { answeredAt: end.answeredAt }),
    endedAt: end.endedAt,
    ...(connected === undefined ? {} : { connected }),
    ...(end.hangupBy === undefined ? {} : { hangupBy: end.hangupBy }),
  }, randomUUID(), Date.now()));
}

/** Where a call's end goes besides its status callback; each is absent when the worker has none. */
export interface CallEndSinks {
  events?: CarrierEventDelivery | undefined;
  ledger?: CallLedger | undefined;
}

/** What a call's end is reported with: the carrier's event, the call ledger and the account's status callback. */
export function reportEnded(context: EndedCall, end: CallEnd, { events, ledger }: CallEndSinks): Promise<void> {
  ledger?.ended(context.session.callSid, finalCallStatus(end), end);
  try {
    if (events?.enabled === true) reportCallEnd(context, end, events);
  } catch (error) {
    // A bug in building the event must not cost the status callback, nor the process.
    context.log.error({ err: error }, 'carrier event not built');
  }
  return postCallStatus(context, end);
}
