// What happens after one trunk attempt fails, and what the caller hears when every trunk has.
import type { OutboundTrunkRoute } from '../../../../api/routing/schema.ts';

export type AttemptOutcome = { kind: 'response'; status: number } | { kind: 'timeout' } | { kind: 'transport-error' };

/** 'stop': relay this final response to the caller. 'next': try the next trunk. */
export type FailoverAction = 'stop' | 'next';

/**
 * - A code in the trunk's stopFailoverCodes stops: the operator's word wins.
 * - 2xx (answered) and 3xx (a redirect for the caller to judge) stop: neither is a trunk failing.
 * - 4xx stop: the callee's side answered (busy, not found, rejected) and another trunk would
 *   reach the same callee. Except 408, which is a timeout, and 401/407, which reach here only when
 *   the digest client could not satisfy the trunk: our credentials failing at one trunk says
 *   nothing about the callee, and relaying a trunk's challenge would ask the caller for a
 *   password it does not have.
 * - 5xx, timeouts and transport errors go to the next trunk.
 * - 6xx go to the next trunk too. RFC 3261 §16.7 treats 6xx as global, but the OutboundTrunk API
 *   promises "timeouts and other 5xx/6xx codes fail over" and offers stopFailoverCodes (e.g. 603)
 *   to change that per trunk; carriers do send 603 for their own refusals (blocked destination,
 *   fraud rules), which another trunk may not share.
 */
export function nextAction(outcome: AttemptOutcome, trunk: Pick<OutboundTrunkRoute, 'stopFailoverCodes'>): FailoverAction {
  if (outcome.kind !== 'response') return 'next';
  const { status } = outcome;
  if (trunk.stopFailoverCodes.includes(status)) return 'stop';
  if (status < 400) return 'stop';
  if (status === 408 || status === 401 || status === 407) return 'next';
  return status < 500 ? 'stop' : 'next';
}

/** Relay the final response of attempt `attempt` (an index into the outcomes), or answer with our own. */
export type AllTrunksFailed = { kind: 'relay'; attempt: number } | { kind: 'respond'; status: number; reason: string };

/**
 * The answer once every attempt ended in 'next', after RFC 3261 §16.7's best-response rules:
 * - no attempt at all (no trunk, or none usable) → 404 No Outbound Route;
 * - a 6xx → relay it (the first): a global refusal beats everything else;
 * - a 408, or a timeout (which §16.8 treats as a 408) → relay the 408, or answer 408 when no
 *   trunk sent one: 4xx is the lowest class left, and §16.7 prefers the lowest class;
 * - a 5xx other than 503 → relay the last one, the trunk's own words;
 * - only 503s, transport errors (a 503 by §8.1.3.1) and rejected credentials → 500: §16.7 says not
 *   to pass on a 503, which would tell the caller we refuse every request, not just this one.
 */
export function whenAllTrunksFail(outcomes: readonly AttemptOutcome[]): AllTrunksFailed {
  if (outcomes.length === 0) return { kind: 'respond', status: 404, reason: 'Not Found - No Outbound Route' };
  const statuses = outcomes.map((outcome) => (outcome.kind === 'response' ? outcome.status : undefined));
  const global = statuses.findIndex((status) => status !== undefined && status >= 600);
  if (global >= 0) return { kind: 'relay', attempt: global };
  const timeoutResponse = statuses.indexOf(408);
  if (timeoutResponse >= 0) return { kind: 'relay', attempt: timeoutResponse };
  if (outcomes.some((outcome) => outcome.kind === 'timeout')) return { kind: 'respond', status: 408, reason: 'Request Timeout' };
  const serverError = statuses.findLastIndex((status) => status !== undefined && status >= 500 && status !== 503);
  if (serverError >= 0) return { kind: 'relay', attempt: serverError };
  return { kind: 'respond', status: 500, reason: 'Server Internal Error - All Outbound Trunks Failed' };
}
