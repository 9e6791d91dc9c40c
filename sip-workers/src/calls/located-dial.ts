// One callee reached at the servers RFC 3263 locates for it (a trunk's host, a <Sip> URI's
// domain): tried one after another while each fails for want of reaching it, as §4.3 asks: no
// response, a transport error, or a 503. Any other answer is the callee's and ends the attempt.
// Servers that lately failed this way are tried after the others (unreachable-servers.ts).
import type { DialOutcome, DialTarget as LegTarget } from '../b2bua/outgoing-leg.ts';
import { headerValue } from '../sip/message.ts';
import { locateServer } from '../sip/server-locator.ts';
import type { ServerToLocate } from '../sip/server-locator.ts';
import type { Destination } from '../sip/transport.ts';
import { serverName } from '../sip/unreachable-servers.ts';
import type { CallContext } from './call-context.ts';

/** What locating and ringing a callee needs: a call's context, or anything that rings a leg as a session does. */
export type LocatingContext = Pick<CallContext, 'settings' | 'log' | 'metrics'> & { session: { dial(target: LegTarget): Promise<DialOutcome> } };

/** Why the server did not take the call, or undefined when it answered for the callee. */
function failedServer(outcome: DialOutcome): 'timeout' | 'transport-error' | '503' | undefined {
  if (outcome.kind === 'timeout' || outcome.kind === 'transport-error') return outcome.kind;
  return outcome.kind === 'rejected' && outcome.status === 503 ? '503' : undefined;
}

/** A 503's Retry-After in ms (RFC 3261 §20.33: seconds, then an optional comment). */
function retryAfterMs(outcome: DialOutcome): number | undefined {
  if (outcome.kind !== 'rejected') return undefined;
  const seconds = /^\s*(\d+)/.exec(headerValue(outcome.response, 'Retry-After') ?? '')?.[1];
  return seconds === undefined ? undefined : Number(seconds) * 1000;
}

/** Marks or clears the server by what it did: silent or unreachable, marked; a 503 only with Retry-After; any other answer clears. */
function noteServer(context: LocatingContext, destination: Destination, outcome: DialOutcome): void {
  const servers = context.settings.unreachableServers;
  const failed = failedServer(outcome);
  if (failed === undefined) {
    if (outcome.kind !== 'cancelled' && outcome.kind !== 'media-unavailable') servers.clear(destination);
    return;
  }
  const retryAfter = failed === '503' ? retryAfterMs(outcome) : undefined;
  if (failed !== '503') servers.mark(destination);
  else if (retryAfter !== undefined) servers.mark(destination, retryAfter);
}

/**
 * A DNS failure is a transport failure (RFC 3261 §8.1.3.1): the caller's next trunk, if any, is
 * tried. `mayTryNext` narrows when the next server is tried (a trunk's stop list).
 */
export async function dialLocated(context: LocatingContext, server: ServerToLocate, legTo: (destination: Destination) => LegTarget, mayTryNext: (outcome: DialOutcome) => boolean = () => true): Promise<DialOutcome> {
  const located = await locateServer(server, context.settings.dns, context.settings.random);
  if (!located.ok) {
    context.log.info({ host: server.host, reason: located.reason }, 'callee could not be located');
    return { kind: 'transport-error', error: located.reason };
  }
  const destinations = context.settings.unreachableServers.order(located.destinations);
  let outcome: DialOutcome = { kind: 'transport-error', error: `no server for ${server.host}` };
  for (const [index, destination] of destinations.entries()) {
    outcome = await context.session.dial(legTo(destination));
    noteServer(context, destination, outcome);
    const failed = failedServer(outcome);
    if (failed === undefined || !mayTryNext(outcome) || index === destinations.length - 1) return outcome;
    context.metrics.serverFailovers.inc({ reason: failed });
    context.log.info({ host: server.host, server: serverName(destination), outcome: failed }, 'server did not take the call; trying the next one DNS gave');
  }
  return outcome;
}
