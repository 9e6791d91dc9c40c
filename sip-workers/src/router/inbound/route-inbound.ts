// The inbound router: a pure function from the facts of an INVITE and one routing generation
// to a decision. Steps run in order (identify the origin, admit, find the number and account),
// each rejecting with a status and a reason phrase that says which step refused the call.
import type { AccountRoute, Webhook } from '../../../../api/routing/schema.ts';
import { hasSipDomainAddressShape } from '../../../../api/routing/sip-domain-address.ts';
import type { RoutingView } from '../../routing/routing-view.ts';
import { normalizeInboundNumber } from '../outbound/number-normalization.ts';
import { admitToDomain } from './domain-admission.ts';
import type { CallOrigin, InboundDecision, Rejection, WebhookCall } from './inbound-decision.ts';
import { reject } from './inbound-decision.ts';
import type { InboundRequest } from './inbound-request.ts';

interface Target {
  origin: CallOrigin;
  accountName: string;
  voice?: Webhook;
  fallback?: Webhook;
  statusCallback?: Webhook;
  to: string;
  from: string;
  forwardCustomHeaders: boolean;
}

/**
 * A host shaped as a SIP domain's address under this carrier's base (<name>.sip-<region>.<base>)
 * that names no SipDomain: the caller meant a domain that is not there (or not in this region), so
 * the call fails, as Vonage fails it, rather than being taken for a trunk's call to a number.
 */
function unknownDomain(host: string, view: RoutingView): Rejection | undefined {
  const base = view.carrier.sipDomainBase;
  if (!base || !hasSipDomainAddressShape(host, base)) return undefined;
  return reject(404, 'Not Found - Unknown SIP Domain', `${host} names no SIP domain of carrier ${view.carrier.name} (in this region)`);
}

function fromDomain(request: InboundRequest, view: RoutingView): Target | InboundDecision | undefined {
  const domain = request.requestHost === '' ? undefined : view.sipDomain(request.requestHost);
  if (!domain) return request.requestHost === '' ? undefined : unknownDomain(request.requestHost, view);
  if (!domain.enabled) return reject(403, 'Forbidden - Domain Disabled', `SIP domain ${domain.domain} is disabled`);
  const admission = admitToDomain(domain, request.sourceAddress, request.digest);
  if (!('admitted' in admission)) return admission;
  return {
    origin: { kind: 'domain', domain, ...(admission.username === undefined ? {} : { username: admission.username }) },
    accountName: domain.account,
    ...(domain.voice ? { voice: domain.voice } : {}),
    ...(domain.fallback ? { fallback: domain.fallback } : {}),
    // Twilio gives SIP-domain webhooks the SIP URIs, so customers can tell a SIP call from a PSTN one.
    to: `sip:${request.requestUser}@${domain.domain}`,
    from: request.fromUri,
    forwardCustomHeaders: domain.forwardCustomHeaders,
  };
}

function fromTrunk(request: InboundRequest, view: RoutingView): Target | Rejection {
  const trunk = view.inboundTrunkFor(request.sourceAddress);
  if (!trunk) return reject(403, 'Forbidden - Unknown Source', `${request.sourceAddress} matches no InboundTrunk of carrier ${view.carrier.name}`);
  if (!trunk.enabled) return reject(403, 'Forbidden - Trunk Disabled', `InboundTrunk ${trunk.name} is disabled`);
  const number = normalizeInboundNumber(request.requestUser, trunk.normalization, view.carrier);
  if (number === undefined) return reject(404, 'Not Found - Not A Number', `Request-URI user "${request.requestUser}" is not a phone number`);
  const route = view.number(number);
  if (!route?.enabled) return reject(404, 'Not Found', `${number} is ${route ? 'disabled' : 'not a PhoneNumber of carrier ' + view.carrier.name}`);
  if (route.account === undefined) return reject(404, 'Not Found - Unassigned Number', `${number} is not assigned to an account`);
  if (trunk.account !== undefined && trunk.account !== route.account) {
    return reject(403, 'Forbidden - Number Not On Trunk', `${number} belongs to account ${route.account}, but InboundTrunk ${trunk.name} only admits account ${trunk.account}`);
  }
  const from = normalizeInboundNumber(request.fromUser, { nationalToE164: true }, view.carrier) ?? request.fromUser;
  return {
    origin: { kind: 'trunk', trunk },
    accountName: route.account,
    ...(route.voice ? { voice: route.voice } : {}),
    ...(route.fallback ? { fallback: route.fallback } : {}),
    ...(route.statusCallback ? { statusCallback: route.statusCallback } : {}),
    to: number,
    from,
    forwardCustomHeaders: true,
  };
}

function toWebhook(target: Target, account: AccountRoute, authToken: string): WebhookCall | Rejection {
  const voice = target.voice ?? account.voice;
  if (!voice) return reject(480, 'No Voice URL', `neither the called number/domain nor account ${target.accountName} has a voice URL`);
  const statusCallback = target.statusCallback ?? account.statusCallback;
  return {
    kind: 'webhook',
    origin: target.origin,
    account: { name: target.accountName, sid: account.sid, authToken },
    voice,
    ...(target.fallback ? { fallback: target.fallback } : {}),
    ...(statusCallback ? { statusCallback } : {}),
    to: target.to,
    from: target.from,
    forwardCustomHeaders: target.forwardCustomHeaders,
  };
}

export function routeInbound(request: InboundRequest, view: RoutingView): InboundDecision {
  const target = fromDomain(request, view) ?? fromTrunk(request, view);
  if ('kind' in target) return target;
  const account = view.account(target.accountName);
  if (!account) return reject(404, 'Not Found - Unknown Account', `account ${target.accountName} is not in routing generation ${view.generation}`);
  if (!account.enabled) return reject(403, 'Forbidden - Account Disabled', `account ${target.accountName} is disabled`);
  const authToken = view.authToken(account.sid);
  if (authToken === undefined) return reject(503, 'Service Unavailable', `no auth token for account ${account.sid} in routing generation ${view.generation}`);
  return toWebhook(target, account, authToken);
}
