// What one <Dial> noun came to, and the status the caller hears when it failed.
import type { DialOutcome } from '../b2bua/outgoing-leg.ts';
import type { HeaderField } from '../sip/message.ts';
import { headerValues } from '../sip/message.ts';

export type DialCallStatus = 'busy' | 'no-answer' | 'failed' | 'canceled';
export interface DialFailure {
  kind: 'failed';
  callStatus: DialCallStatus;
  status: number;
  reason: string;
  /** The media relay failed: no other trunk or noun is tried, since each would meet the same relay. */
  mediaRelayFailed?: true;
  /** What the caller needs from the callee's refusal to act on it: a 422's Min-SE, a 420's Unsupported, a 3xx's Contacts. */
  headers?: HeaderField[];
  /** The call the noun made (dialed-call.ts), for the <Dial action>'s DialCallSid. */
  dialCallSid?: string;
}
export type DialResult = { kind: 'answered'; dialCallSid?: string } | DialFailure;

/**
 * A callee's refusal with the DialCallStatus Twilio gives it. A 487 the callee sent unasked (we
 * sent no CANCEL) means something past it stopped the ringing, an upstream ring timeout say:
 * nobody answered. 'canceled' is only ever ours (`cancelled`).
 */
export const failure = (status: number, reason: string): DialFailure => ({
  kind: 'failed',
  callStatus: status === 486 || status === 600 ? 'busy' : status === 480 || status === 408 || status === 487 ? 'no-answer' : 'failed',
  status,
  reason,
});

/** We stopped ringing: the caller left, another noun or phone answered, or one declined for all. */
export const cancelled = (): DialFailure => ({ kind: 'failed', callStatus: 'canceled', status: 487, reason: 'Request Terminated' });

/**
 * The header the caller acts on in a refusal relayed to it: 422 Session Interval Too Small and 420
 * Bad Extension answer the caller's own INVITE, passed end to end, and the caller retries with
 * what they say; a 3xx is relayed for the caller to follow, which it can only do with its Contacts.
 */
const relayedHeader = (status: number): string | undefined => (status >= 300 && status < 400 ? 'Contact' : status === 420 ? 'Unsupported' : status === 422 ? 'Min-SE' : undefined);

export function failureOf(outcome: Exclude<DialOutcome, { kind: 'answered' }>): DialFailure {
  switch (outcome.kind) {
    case 'rejected': {
      const relayed = relayedHeader(outcome.status);
      const headers = relayed === undefined ? [] : headerValues(outcome.response, relayed).map((value) => ({ name: relayed, value }));
      return { ...failure(outcome.status, outcome.reason), ...(headers.length > 0 ? { headers } : {}) };
    }
    case 'no-answer':
      return failure(480, 'Temporarily Unavailable - No Answer');
    case 'timeout':
      return failure(408, 'Request Timeout');
    case 'transport-error':
      return failure(503, 'Service Unavailable - Unreachable');
    case 'cancelled':
      return cancelled();
    case 'media-unavailable':
      return { ...failure(503, 'Service Unavailable - Media Relay Unavailable'), mediaRelayFailed: true };
  }
}
