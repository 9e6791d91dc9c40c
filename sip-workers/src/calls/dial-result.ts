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
  /** What the caller needs from the callee's refusal to try again: a 422's Min-SE, a 420's Unsupported. */
  headers?: HeaderField[];
}
export type DialResult = { kind: 'answered' } | DialFailure;

export const failure = (status: number, reason: string): DialFailure => ({
  kind: 'failed',
  callStatus: status === 486 || status === 600 ? 'busy' : status === 487 ? 'canceled' : status === 480 || status === 408 ? 'no-answer' : 'failed',
  status,
  reason,
});

/** 422 Session Interval Too Small and 420 Bad Extension answer the caller's own INVITE, passed end to end: the caller retries with what they say. */
const relayedHeaders: Partial<Record<number, string>> = { 420: 'Unsupported', 422: 'Min-SE' };

export function failureOf(outcome: Exclude<DialOutcome, { kind: 'answered' }>): DialFailure {
  switch (outcome.kind) {
    case 'rejected': {
      const relayed = relayedHeaders[outcome.status];
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
      return failure(487, 'Request Terminated');
    case 'media-unavailable':
      return { ...failure(503, 'Service Unavailable - Media Relay Unavailable'), mediaRelayFailed: true };
  }
}
