// The pure outbound router: from a called number and its candidate trunks to the ordered
// attempts, each with the Request-URI its trunk expects. The B2BUA walks the attempts and asks
// failover.ts after each; this module never sends anything.
import type { CarrierRoute, OutboundTrunkRoute } from '../../../../api/routing/schema.ts';
import type { SipUri } from '../../sip/uri.ts';
import { trunkRequestUri } from './dial-string.ts';
import { orderTrunkAttempts } from './trunk-selection.ts';

export interface OutboundAttempt {
  trunk: OutboundTrunkRoute;
  requestUri: SipUri;
}

export interface OutboundPlan {
  attempts: OutboundAttempt[];
  /** Trunks left out, with why, for the call's log. */
  skipped: Array<{ trunk: OutboundTrunkRoute; reason: string }>;
  /** Trunks their health checks found down: still attempted, after every trunk that is up. */
  down: OutboundTrunkRoute[];
}

/**
 * `candidates` are RoutingView.outboundTrunkCandidates for the number: enabled trunks sharing the
 * longest matching prefix. `number` is E.164 with "+" or a short code. Trunks `isDown` names keep
 * their order among themselves but go after the others: when every trunk is down, the health
 * checks may be wrong, and trying still beats refusing the call.
 */
export function planOutboundAttempts(
  number: string, candidates: readonly OutboundTrunkRoute[], carrier: Pick<CarrierRoute, 'callingCode'>, random: () => number = Math.random,
  isDown: (trunk: OutboundTrunkRoute) => boolean = () => false,
): OutboundPlan {
  const plan: OutboundPlan = { attempts: [], skipped: [], down: [] };
  const up: OutboundTrunkRoute[] = [];
  for (const trunk of orderTrunkAttempts(candidates, random)) (isDown(trunk) ? plan.down : up).push(trunk);
  for (const trunk of [...up, ...plan.down]) {
    const requestUri = trunkRequestUri(number, trunk, carrier);
    if (requestUri.ok) plan.attempts.push({ trunk, requestUri: requestUri.uri });
    else plan.skipped.push({ trunk, reason: requestUri.reason });
  }
  return plan;
}
