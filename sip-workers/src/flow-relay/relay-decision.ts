// What the worker holding a phone's flow (its TCP or TLS connection, or its UDP address behind
// NAT) does with a request another replica routed to it with a flow token (RFC 5626 §5.3, the
// edge proxy's part), and with the phone's responses to it: a stateless proxy (RFC 3261 §16.11)
// between the two. Pure: the caller sends.
//
// Towards the phone: over the flow, never a new connection (over UDP from this replica's socket,
// the only address the phone's NAT lets in); a dialog-creating INVITE is record-routed twice, one
// URI facing each side, so the dialog's later requests come back through this replica from both
// ends. From the phone, within that dialog only: to the replica that placed the call, as the
// token says.
import { createHash } from 'node:crypto';
import type { SipRequest, SipResponse } from '../sip/message.ts';
import { cloneMessage, headerValue, prependHeader, removeHeader, setHeader, appendHeader } from '../sip/message.ts';
import { formatNameAddr, routes } from '../sip/name-addr.ts';
import type { NameAddr } from '../sip/name-addr.ts';
import { DEFAULT_SIP_PORT, DEFAULT_SIPS_PORT, responseDestination, sentByDestination } from '../sip/response-routing.ts';
import type { Destination, MessageSource, TransportKind } from '../sip/transport.ts';
import { socketHost } from '../sip/uri.ts';
import type { Uri } from '../sip/uri.ts';
import { allVias, topVia, viaBranch, viaReceived, viaRport } from '../sip/via.ts';
import type { Via } from '../sip/via.ts';
import { looksLikeFlowToken } from './flow-token.ts';
import type { FlowAddress, FlowTokens, RelayedFlow } from './flow-token.ts';

/** Branches of Vias the relay adds start so: its responses are told from the transaction layer's (whose branches are hex). */
export const RELAY_BRANCH_PREFIX = 'z9hG4bKrelay';

/** The replica's own addresses, as Route URIs and Vias name it (the transport answers both). */
export interface RelaySelf {
  isOwnAddress(host: string, port: number): boolean;
  sentByFor(transport: TransportKind): string;
}

export type RequestRelay =
  | { kind: 'not-relayed' }
  | { kind: 'forward'; request: SipRequest; destination: Destination; towardsFlow: boolean }
  | { kind: 'reply'; status: number; reason: string }
  | { kind: 'drop'; reason: string };

export type ResponseRelay =
  | { kind: 'not-relayed' }
  | { kind: 'forward'; response: SipResponse; destination: Destination }
  | { kind: 'drop'; reason: string };

function isSelf(uri: Uri, self: RelaySelf): boolean {
  return uri.kind === 'sip' && self.isOwnAddress(uri.host, uri.port ?? (uri.scheme === 'sips' ? DEFAULT_SIPS_PORT : DEFAULT_SIP_PORT));
}

const sameFlow = (source: MessageSource, flow: FlowAddress) => source.transport === flow.transport && source.address === flow.address && source.port === flow.port;

/**
 * Whether a request goes towards the phone. Over TCP or TLS, whatever does not come on the
 * phone's connection does. A UDP phone has no connection: a request goes towards it only when it
 * comes from the replica the token names, since a NAT may give the phone's next request another
 * source port than its REGISTER had.
 */
function goesTowardsFlow(source: MessageSource, relayed: RelayedFlow): boolean {
  if (relayed.flow.transport !== 'udp') return !sameFlow(source, relayed.flow);
  const peer = sentByDestination(relayed.peer);
  return source.transport === 'udp' && peer !== undefined && source.address === peer.address && source.port === peer.port;
}

/** §16.11: a stateless proxy's branch is a function of the request's, so a retransmission, its CANCEL and its non-2xx ACK all get the same one. */
function relayBranch(request: SipRequest): string | undefined {
  const top = allVias(request)?.[0];
  const branch = top ? viaBranch(top) : undefined;
  if (!top || !branch) return undefined;
  return `${RELAY_BRANCH_PREFIX}${createHash('sha1').update(`${branch}|${top.host}|${top.port ?? ''}`).digest('hex').slice(0, 20)}`;
}

const routeUri = (token: string, sentBy: string, transport: TransportKind) =>
  `<sip:${token}@${sentBy}${transport === 'udp' ? '' : `;transport=${transport}`};lr>`;

/** The flow token of a top Route naming us, and the Routes after ours (the double Record-Route leaves two of ours in a row). */
function ourRoute(request: SipRequest, self: RelaySelf): { token: string; rest: NameAddr[] } | undefined {
  const routeSet = routes(request) ?? [];
  const top = routeSet[0]?.uri;
  // A Route to us with another user part (our Contact's, say) is an ordinary loose route.
  if (!top || top.kind !== 'sip' || !top.user || !looksLikeFlowToken(top.user) || !isSelf(top, self)) return undefined;
  const token = top.user;
  const second = routeSet[1]?.uri;
  const ours = second?.kind === 'sip' && second.user === token && isSelf(second, self) ? 2 : 1;
  return { token, rest: routeSet.slice(ours) };
}

/** An answer for a request that cannot be relayed: an ACK gets none (§17.1.1.3), it is dropped. */
const refuse = (request: SipRequest, status: number, reason: string): RequestRelay =>
  request.method === 'ACK' ? { kind: 'drop', reason } : { kind: 'reply', status, reason };

export function relayRequest(request: SipRequest, source: MessageSource, self: RelaySelf, tokens: FlowTokens): RequestRelay {
  const route = ourRoute(request, self);
  if (!route) return { kind: 'not-relayed' };
  const relayed = tokens.read(route.token);
  if (!relayed) return refuse(request, 403, 'Forbidden - Invalid Flow Token');
  const { flow } = relayed;
  const maxForwards = Number(headerValue(request, 'Max-Forwards') ?? '70');
  if (!(maxForwards > 0)) return refuse(request, 483, 'Too Many Hops');
  const branch = relayBranch(request);
  if (!branch) return { kind: 'drop', reason: 'no top Via branch to derive ours from' };
  const towardsFlow = goesTowardsFlow(source, relayed);
  const inDialog = /;\s*tag=/i.test(headerValue(request, 'To') ?? '');
  // The phone only ever sends within the dialog the other replica made; nothing else is relayed.
  if (!towardsFlow && !inDialog) return refuse(request, 403, 'Forbidden - Not In A Relayed Dialog');
  // From the phone: to the replica that placed the call, as the signed token names it, whatever the Request-URI says.
  const destination: Destination | undefined = towardsFlow ? { ...flow, flowOnly: true } : sentByDestination(relayed.peer);
  if (!destination) return refuse(request, 403, 'Forbidden - Invalid Flow Token');

  const forwarded = cloneMessage(request);
  removeHeader(forwarded, 'Route');
  for (const next of route.rest) appendHeader(forwarded, 'Route', formatNameAddr(next));
  setHeader(forwarded, 'Max-Forwards', String(maxForwards - 1));
  if (request.method === 'INVITE' && !inDialog && towardsFlow) {
    // Read top-down by the phone (its route set) and bottom-up by the caller's replica.
    prependHeader(forwarded, 'Record-Route', routeUri(route.token, self.sentByFor(source.transport), source.transport));
    prependHeader(forwarded, 'Record-Route', routeUri(route.token, self.sentByFor(flow.transport), flow.transport));
  }
  prependHeader(forwarded, 'Via', `SIP/2.0/${destination.transport.toUpperCase()} ${self.sentByFor(destination.transport)};branch=${branch};rport`);
  return { kind: 'forward', request: forwarded, destination, towardsFlow };
}

/**
 * Where the response goes: over UDP as §18.2.2 and RFC 3581 say; over TCP or TLS, back on the
 * connection the request came in on, which its received and rport name (this replica stamped
 * them), and never a new connection towards a phone.
 */
function nextViaDestination(via: Via): Destination | undefined {
  const destination = responseDestination(via);
  if (!destination || destination.transport === 'udp') return destination;
  const rport = viaRport(via);
  return { address: socketHost(viaReceived(via) ?? via.host), port: typeof rport === 'number' ? rport : destination.port, transport: destination.transport, flowOnly: true };
}

/** A response to a request we relayed: our Via goes, and it follows the next one (§16.11, §18.2.2). */
export function relayResponse(response: SipResponse, self: RelaySelf): ResponseRelay {
  // The top Via is parsed once per message already (rememberedVia); the rest only for ours.
  const top = topVia(response);
  const branch = top ? viaBranch(top) : undefined;
  if (!top || !branch?.startsWith(RELAY_BRANCH_PREFIX)) return { kind: 'not-relayed' };
  const vias = allVias(response);
  if (!self.isOwnAddress(top.host, top.port ?? (top.transport === 'TLS' ? DEFAULT_SIPS_PORT : DEFAULT_SIP_PORT))) return { kind: 'not-relayed' };
  const next = vias?.[1];
  const destination = next ? nextViaDestination(next) : undefined;
  if (!destination) return { kind: 'drop', reason: 'relayed response with no usable Via beneath ours' };
  const forwarded = cloneMessage(response);
  const index = forwarded.headers.findIndex((field) => field.name === 'Via');
  forwarded.headers.splice(index, 1);
  return { kind: 'forward', response: forwarded, destination };
}
