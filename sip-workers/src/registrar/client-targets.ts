// Where a <Dial><Client> rings: the identity names a SipDomain user of the call's account, and
// each current binding of that user is a target, reached through the flow its REGISTER came
// over (RFC 5626): a phone behind NAT is only reachable through the pinhole its REGISTER opened.
import { isIP } from 'node:net';
import type { SipDomainRoute } from '../../../api/routing/schema.ts';
import type { RoutingView } from '../routing/routing-view.ts';
import { defaultPort, sentByDestination, transportOfUri } from '../sip/response-routing.ts';
import type { Destination } from '../sip/transport.ts';
import { parseUri, socketHost } from '../sip/uri.ts';
import type { SipUri } from '../sip/uri.ts';
import type { FlowTokens } from '../flow-relay/flow-token.ts';
import type { AddressOfRecord, CurrentBinding, Flow } from './binding.ts';

export interface ClientTarget {
  binding: CurrentBinding;
  /** The user's address-of-record: the To of the call, as the phone expects to see itself called. */
  aor: SipUri;
  /** The registered Contact. */
  requestUri: SipUri;
  destination: Destination;
  /** 'flow' when the destination is the REGISTER's flow: the whole dialog must then use it, not the Contacts the phone sends. */
  reachedBy: 'flow' | 'target';
  /** A Route for the INVITE: through the replica holding the phone's flow, with its flow token. */
  route?: string;
}

/**
 * The users a <Client> identity may mean, most likely first: `user@domain` names one domain of
 * the account; a bare `user` is looked for in the domain the call came from, then in the
 * account's other enabled domains that have that user.
 */
export function clientAddresses(identity: string, account: string, view: RoutingView, callDomain?: string): Array<Omit<AddressOfRecord, 'carrier'>> {
  const at = identity.lastIndexOf('@');
  const user = at < 0 ? identity : identity.slice(0, at);
  const named = at < 0 ? undefined : view.sipDomain(identity.slice(at + 1));
  const candidates: SipDomainRoute[] = at >= 0
    ? (named ? [named] : [])
    : [...view.sipDomainsOf(account)].sort((a, b) => Number(b.domain === callDomain) - Number(a.domain === callDomain));
  return candidates
    .filter((domain) => domain.account === account && domain.enabled && domain.usernames.includes(user))
    .map((domain) => ({ domain: domain.domain.toLowerCase(), user }));
}

/**
 * Highest q first (a Contact without q counts as 1), then the binding with the most time left,
 * which is usually the one registered last.
 *
 * A TCP or TLS flow is reachable only from the worker holding the connection (`edge`), and only
 * while it is open (never re-opened towards the phone). A UDP flow behind NAT is reachable only
 * from the address its REGISTER went to: the NAT lets in nothing else, and in Kubernetes only the
 * edge replica's socket sends from it (kube-proxy's conntrack entry for the phone's packets turns
 * the pod's address back into the Service's). With the replicas' shared key, another replica
 * rings either through the edge replica; without it, a TCP or TLS phone is rung at the Contact's
 * own address only when that is the address the REGISTER came from (a PBX with a public address),
 * and a UDP phone straight from this replica's socket.
 */
export function clientTargets(bindings: readonly CurrentBinding[], aor: Omit<AddressOfRecord, 'carrier'>, edge: string, tokens?: FlowTokens): ClientTarget[] {
  const aorUri: SipUri = { kind: 'sip', scheme: 'sip', user: aor.user, host: aor.domain, params: new Map(), headers: [] };
  const ordered = [...bindings].sort((a, b) => (b.q ?? 1) - (a.q ?? 1) || b.expiresIn - a.expiresIn);
  const targets: ClientTarget[] = [];
  for (const binding of ordered) {
    const parsed = parseUri(binding.uri);
    if (!parsed.ok || parsed.value.kind !== 'sip') continue;
    const uri = parsed.value;
    const { flow } = binding;
    const atEdge = flow.edge === edge;
    const relay = atEdge || !tokens || (flow.transport === 'udp' && !binding.natted) ? undefined : relayThrough(flow, tokens, edge);
    if (relay) {
      targets.push({ binding, aor: aorUri, requestUri: uri, ...relay, reachedBy: 'target' });
      continue;
    }
    const viaFlow = atEdge || flow.transport === 'udp';
    const contactHost = socketHost(uri.params.get('maddr') ?? uri.host);
    // Behind NAT (the Contact names another address than the one the REGISTER came from), only the
    // replica holding the flow can reach the phone: a new connection to a private address reaches
    // no one, or whoever has that address on our side of the NAT.
    if (!viaFlow && isIP(contactHost) !== 0 && contactHost.toLowerCase() !== flow.address.toLowerCase()) continue;
    const transport = transportOfUri(uri) ?? 'udp';
    const destination: Destination = viaFlow
      ? { address: flow.address, port: flow.port, transport: flow.transport, ...(flow.transport === 'udp' ? {} : { flowOnly: true }) }
      : { address: contactHost, port: uri.port ?? defaultPort(transport), transport };
    targets.push({ binding, aor: aorUri, requestUri: uri, destination, reachedBy: viaFlow ? 'flow' : 'target' });
  }
  return targets;
}

/**
 * A flow held by another replica (its sent-by is the flow's edge): the INVITE goes to that
 * replica over UDP with a Route carrying the flow's token, and it relays it into the flow
 * (flow-relay/), record-routing so the whole dialog takes the same path.
 */
function relayThrough(flow: Flow, tokens: FlowTokens, edge: string): { destination: Destination; route: string } | undefined {
  const destination = sentByDestination(flow.edge);
  if (!destination) return undefined;
  return {
    destination,
    route: `<sip:${tokens.mint({ flow: { transport: flow.transport, address: flow.address, port: flow.port }, peer: edge })}@${flow.edge};lr>`,
  };
}
