// The phone_call.completed event a carrier's webhook receives when a call ends, in the shape
// Somleng's Carrier API gives its events (JSON:API: an "event" whose details are the
// "phone_call" resource), so a receiver written for Somleng's webhooks reads it. The call
// carries what a carrier bills and monitors by: how it came in (trunk or SIP domain), where it
// went (outbound trunk and number, SIP URI or client), and how long it was answered.
import type { FinalCallStatus } from '../webhook/call-parameters.ts';

/** Who the <Dial> connected the caller to. */
export type ConnectedCallee =
  | { readonly kind: 'trunk'; readonly trunk: string; readonly number: string }
  | { readonly kind: 'sip'; readonly uri: string }
  | { readonly kind: 'client'; readonly identity: string };

export type CallOriginRecord =
  | { readonly kind: 'trunk'; readonly inboundTrunk: string }
  | { readonly kind: 'domain'; readonly sipDomain: string; readonly username?: string }
  /** Placed through the REST API: `party` is who was rung, through which trunk (absent if nobody answered). */
  | { readonly kind: 'api'; readonly party?: ConnectedCallee };

export interface PhoneCallRecord {
  readonly callSid: string;
  readonly accountSid: string;
  readonly from: string;
  readonly to: string;
  readonly origin: CallOriginRecord;
  readonly status: FinalCallStatus;
  /** The final SIP status the caller got. */
  readonly sipResponseCode: number;
  readonly startedAt: number;
  readonly answeredAt?: number;
  readonly endedAt: number;
  readonly connected?: ConnectedCallee;
  readonly hangupBy?: 'caller' | 'callee' | 'worker';
}

export interface CarrierEvent {
  readonly id: string;
  /** The JSON text POSTed. */
  readonly body: string;
}

const iso = (epochMs: number) => new Date(epochMs).toISOString();

function calleeAttributes(callee: ConnectedCallee): Record<string, string> {
  switch (callee.kind) {
    case 'trunk':
      return { type: 'outbound_trunk', outbound_trunk: callee.trunk, number: callee.number };
    case 'sip':
      return { type: 'sip', uri: callee.uri };
    case 'client':
      return { type: 'client', identity: callee.identity };
  }
}

function originAttributes(origin: CallOriginRecord): Record<string, string | Record<string, string>> {
  if (origin.kind === 'api') return origin.party === undefined ? {} : { party: calleeAttributes(origin.party) };
  if (origin.kind === 'trunk') return { inbound_trunk: origin.inboundTrunk };
  return { sip_domain: origin.sipDomain, ...(origin.username === undefined ? {} : { sip_username: origin.username }) };
}

/**
 * `duration` is whole seconds answered, rounded up as carriers bill a started second (0 for a
 * call never answered); Twilio's CallDuration in the status callback rounds to nearest instead.
 */
export function phoneCallCompletedEvent(call: PhoneCallRecord, eventId: string, now: number): CarrierEvent {
  const answeredMs = call.answeredAt === undefined ? 0 : Math.max(0, call.endedAt - call.answeredAt);
  const phoneCall = {
    data: {
      id: call.callSid,
      type: 'phone_call',
      attributes: {
        to: call.to,
        from: call.from,
        direction: call.origin.kind === 'api' ? 'outbound-api' : 'inbound',
        status: call.status,
        duration: Math.ceil(answeredMs / 1000),
        sip_response_code: call.sipResponseCode,
        ...originAttributes(call.origin),
        ...(call.connected === undefined ? {} : { callee: calleeAttributes(call.connected) }),
        ...(call.hangupBy === undefined ? {} : { hangup_by: call.hangupBy }),
        started_at: iso(call.startedAt),
        ...(call.answeredAt === undefined ? {} : { answered_at: iso(call.answeredAt) }),
        ended_at: iso(call.endedAt),
        created_at: iso(call.startedAt),
        updated_at: iso(call.endedAt),
      },
      relationships: { account: { data: { id: call.accountSid, type: 'account' } } },
    },
  };
  const event = {
    data: {
      id: eventId,
      type: 'event',
      attributes: { type: 'phone_call.completed', details: phoneCall, created_at: iso(now), updated_at: iso(now) },
    },
  };
  return { id: eventId, body: JSON.stringify(event) };
}
