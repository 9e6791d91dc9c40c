// The story of one inbound call: which step of the worker's inbound router took it where. The
// decision itself is the worker's own routeInbound over the same RoutingView; the lines around it
// retrace its steps for a reader and, when nothing matched, look for the objects that would have
// (a trunk in Conflict, a number left out of routing) and say why they are not in routing.
import { parseAddress, parsePrefix, prefixContains } from '../../api/routing/cidr.ts';
import type { InboundTrunkRoute, SipDomainRoute, Webhook } from '../../api/routing/schema.ts';
import type { InboundDecision } from '../../sip-workers/src/router/inbound/inbound-decision.ts';
import type { InboundRequest } from '../../sip-workers/src/router/inbound/inbound-request.ts';
import { routeInbound } from '../../sip-workers/src/router/inbound/route-inbound.ts';
import { normalizeInboundNumber } from '../../sip-workers/src/router/outbound/number-normalization.ts';
import type { RoutingView } from '../../sip-workers/src/routing/routing-view.ts';
import type { NumberFact, Problem, TrunkFact } from './route-evidence.ts';

export interface CallFacts {
  carrier: string;
  /** The source address of the INVITE. */
  from: string;
  /** The Request-URI user part. */
  to: string;
  /** The Request-URI host, for calls to a SipDomain. */
  domain?: string;
}

export interface Explanation {
  decision: InboundDecision;
  /** Whether the call reaches a webhook (after digest authentication, for a challenged domain call). */
  routed: boolean;
  lines: string[];
}

const hook = (webhook: Webhook) => `${webhook.method} ${webhook.url}`;
const because = (problem: Problem) => `${problem.type === 'Conflict' ? 'in Conflict' : `Ready=False`} (${problem.reason}): ${problem.message}`;
const line = (label: string, text: string) => `${`${label}:`.padEnd(9)} ${text}`;

/** The INVITE's facts as the SIP layer would hand them to the router. */
export function inboundRequest(call: CallFacts): InboundRequest {
  return { sourceAddress: call.from, requestUser: call.to, requestHost: (call.domain ?? '').toLowerCase(), fromUser: '', fromUri: 'sip:anonymous@anonymous.invalid', digest: { kind: 'none' } };
}

/** The longest of a trunk's CIDRs that contains the address. */
function matchedCidr(cidrs: readonly string[], address: string): string | undefined {
  const parsed = parseAddress(address);
  if (!parsed) return undefined;
  return cidrs.map(parsePrefix).filter((prefix) => prefix !== undefined && prefixContains(prefix, parsed)).sort((a, b) => (b?.length ?? 0) - (a?.length ?? 0))[0]?.text;
}

function normalisationOf(trunk: InboundTrunkRoute, view: RoutingView): string {
  const { stripPrefix, addPrefix, nationalToE164 } = trunk.normalization;
  const steps = [
    ...(stripPrefix ? [`strip "${stripPrefix}"`] : []),
    ...(addPrefix ? [`add "${addPrefix}"`] : []),
    ...(nationalToE164 ? [`national numbers to E.164 with +${view.carrier.callingCode || '?'}`] : []),
  ];
  return steps.length > 0 ? steps.join(', ') : 'none';
}

/** Trunks out of routing, or of another carrier, whose sources contain the address. */
function trunkNotes(call: CallFacts, view: RoutingView, namespace: string, trunks: readonly TrunkFact[], routed: InboundTrunkRoute | undefined): string[] {
  return trunks.flatMap((trunk) => {
    const cidr = matchedCidr(trunk.sourceIPs, call.from);
    const ours = trunk.carrier === call.carrier && trunk.namespace === namespace;
    if (!cidr || (ours && trunk.name === routed?.name && !trunk.problem)) return [];
    const who = `InboundTrunk ${trunk.namespace}/${trunk.name}${ours ? '' : ` of Carrier ${trunk.carrier}`} lists ${cidr}`;
    if (trunk.problem) return [line('note', `${who}, but is out of routing, ${because(trunk.problem)}`)];
    return ours ? [] : [line('note', `${who}: calls from ${call.from} belong to Carrier ${trunk.carrier}, not ${view.carrier.name}.`)];
  });
}

function numberNotes(number: string, call: CallFacts, namespace: string, claims: readonly NumberFact[]): string[] {
  if (claims.length === 0) return [line('note', `no PhoneNumber in namespace ${namespace} has number ${number}.`)];
  return claims.flatMap((claim) => {
    const who = `PhoneNumber ${claim.namespace}/${claim.name} has ${number}`;
    if (claim.carrier !== call.carrier) return [line('note', `${who}, but for Carrier ${claim.carrier}.`)];
    return claim.problem ? [line('note', `${who}, but is out of routing, ${because(claim.problem)}`)] : [];
  });
}

/** The trunk path, retraced: source → trunk → number → account. */
function trunkSteps(call: CallFacts, view: RoutingView): { lines: string[]; trunk?: InboundTrunkRoute; number?: string } {
  const trunk = view.inboundTrunkFor(call.from);
  if (!trunk) return { lines: [line('source', `${call.from} is in no InboundTrunk of carrier ${view.carrier.name}`)] };
  const lines = [line('source', `${call.from} is in ${matchedCidr(trunk.sourceCIDRs, call.from) ?? '?'} of InboundTrunk ${trunk.name}${trunk.enabled ? '' : ' (disabled)'}${trunk.account ? `, which admits account ${trunk.account} only` : ''}`)];
  const number = normalizeInboundNumber(call.to, trunk.normalization, view.carrier);
  const how = call.to.trim().startsWith('+') ? 'E.164 already, taken as it is' : `normalisation of ${trunk.name}: ${normalisationOf(trunk, view)}`;
  lines.push(line('number', `"${call.to}" → ${number ?? 'not a number'} (${how})`));
  if (number === undefined) return { lines, trunk };
  const route = view.number(number);
  lines.push(line('number', route ? `PhoneNumber ${number}: ${route.type}, ${route.enabled ? 'enabled' : 'disabled'}, ${route.account ? `assigned to account ${route.account}` : 'unassigned'}` : `${number} is no PhoneNumber in routing`));
  return { lines, trunk, number };
}

function accountStep(name: string, view: RoutingView): string {
  const account = view.account(name);
  return line('account', account ? `${name} (${account.sid}, ${account.enabled ? 'enabled' : 'disabled'})` : `${name} is not in routing`);
}

/** Whose voice URL the webhook is: the number's or domain's own, or the account's it inherits. */
function voiceSource(decision: Extract<InboundDecision, { kind: 'webhook' }>, view: RoutingView): string {
  const { origin } = decision;
  const own = origin.kind === 'trunk' ? view.number(decision.to)?.voice : origin.kind === 'domain' ? origin.domain.voice : undefined;
  if (own) return origin.kind === 'trunk' ? 'the number\'s own voice URL' : 'the SIP domain\'s own voice URL';
  return `account ${decision.account.name}'s voice URL`;
}

function outcome(decision: InboundDecision, view: RoutingView): string[] {
  switch (decision.kind) {
    case 'webhook':
      return [
        line('webhook', `${hook(decision.voice)} (${voiceSource(decision, view)})`),
        ...(decision.fallback ? [line('fallback', hook(decision.fallback))] : []),
        ...(decision.statusCallback ? [line('status', `callback ${hook(decision.statusCallback)}`)] : []),
        line('result', `admitted: account ${decision.account.name} (${decision.account.sid}) fetches TwiML from ${hook(decision.voice)}, To=${decision.to}`),
      ];
    case 'reject':
      return [line('result', `rejected with ${decision.status} ${decision.reason}`), line('why', decision.detail)];
    case 'challenge':
      return [line('result', `challenged with 401 for digest credentials (realm ${decision.realm})`)];
  }
}

/** The origin, retraced: the SIP domain the Request-URI names, else the trunk path. */
function originSteps(call: CallFacts, view: RoutingView, request: InboundRequest): { lines: string[]; domain?: SipDomainRoute; trunk?: InboundTrunkRoute; number?: string } {
  const domain = request.requestHost === '' ? undefined : view.sipDomain(request.requestHost);
  if (domain) {
    const acl = matchedCidr(domain.acl, call.from);
    const mode = domain.authentication === 'aclOrDigest' ? 'ACL or digest' : 'ACL and digest';
    return { domain, lines: [line('domain', `SipDomain ${domain.name} (${domain.domain}, ${domain.enabled ? 'enabled' : 'disabled'}) of account ${domain.account}; ${mode}; ${call.from} is ${acl ? `in its ACL (${acl})` : 'not in its ACL'}`)] };
  }
  const steps = trunkSteps(call, view);
  const unknown = call.domain ? [line('domain', `${call.domain} names no SipDomain of carrier ${view.carrier.name}: the call is taken as a trunk call`)] : [];
  return { ...steps, lines: [...unknown, ...steps.lines] };
}

export function explainCall(call: CallFacts, view: RoutingView, evidence: { namespace: string; trunks: readonly TrunkFact[]; claims?: readonly NumberFact[] }): Explanation {
  const request = inboundRequest(call);
  const decision = routeInbound(request, view);
  const { lines: steps, domain, trunk, number } = originSteps(call, view, request);
  const lines = [`Inbound call from ${call.from} to "${call.to}"${call.domain ? ` at ${call.domain}` : ''} on carrier ${view.carrier.name} (namespace ${evidence.namespace}, routing generation ${view.generation})`, ...steps];
  const account = decision.kind === 'webhook' ? decision.account.name : (domain?.account ?? (number ? view.number(number)?.account : undefined));
  if (account) lines.push(accountStep(account, view));

  let routed = decision.kind === 'webhook';
  lines.push(...outcome(decision, view));
  if (decision.kind === 'challenge') {
    const authenticated = routeInbound({ ...request, digest: { kind: 'ok', username: '(authenticated)' } }, view);
    routed = authenticated.kind === 'webhook';
    lines.push(...outcome(authenticated, view).map((text) => line('then', `once authenticated: ${text.replace(/^\S+:\s+/, '')}`)));
  }
  if (!domain) lines.push(...trunkNotes(call, view, evidence.namespace, evidence.trunks, trunk));
  if (number && evidence.claims && decision.kind === 'reject' && decision.status === 404) lines.push(...numberNotes(number, call, evidence.namespace, evidence.claims));
  return { decision, routed, lines };
}

/** The number the call is for, when a trunk takes it and it is one: what numberNotes needs claims for. */
export function calledNumber(call: CallFacts, view: RoutingView): string | undefined {
  const trunk = view.inboundTrunkFor(call.from);
  return trunk ? normalizeInboundNumber(call.to, trunk.normalization, view.carrier) : undefined;
}
