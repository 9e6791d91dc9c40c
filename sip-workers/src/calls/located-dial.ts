// One callee reached at the servers RFC 3263 locates for it (a trunk's host, a <Sip> URI's
// domain): tried one after another while each fails for want of reaching it, as §4.3 asks: no
// response, a transport error, or a 503. Any other answer is the callee's and ends the attempt.
import type { DialOutcome, DialTarget as LegTarget } from '../b2bua/outgoing-leg.ts';
import { locateServer } from '../sip/server-locator.ts';
import type { ServerToLocate } from '../sip/server-locator.ts';
import type { Destination } from '../sip/transport.ts';
import type { CallContext } from './call-context.ts';

const reachedNoOne = (outcome: DialOutcome) =>
  outcome.kind === 'timeout' || outcome.kind === 'transport-error' || (outcome.kind === 'rejected' && outcome.status === 503);

/**
 * A DNS failure is a transport failure (RFC 3261 §8.1.3.1): the caller's next trunk, if any, is
 * tried. `mayTryNext` narrows when the next server is tried (a trunk's stop list).
 */
export async function dialLocated(context: CallContext, server: ServerToLocate, legTo: (destination: Destination) => LegTarget, mayTryNext: (outcome: DialOutcome) => boolean = () => true): Promise<DialOutcome> {
  const located = await locateServer(server, context.settings.dns, context.settings.random);
  if (!located.ok) {
    context.log.info({ host: server.host, reason: located.reason }, 'callee could not be located');
    return { kind: 'transport-error', error: located.reason };
  }
  let outcome: DialOutcome = { kind: 'transport-error', error: `no server for ${server.host}` };
  for (const [index, destination] of located.destinations.entries()) {
    outcome = await context.session.dial(legTo(destination));
    if (!reachedNoOne(outcome) || !mayTryNext(outcome) || index === located.destinations.length - 1) return outcome;
    context.log.info({ host: server.host, server: `${destination.transport}:${destination.address}:${destination.port}`, outcome: outcome.kind === 'rejected' ? outcome.status : outcome.kind }, 'server did not take the call; trying the next one DNS gave');
  }
  return outcome;
}
