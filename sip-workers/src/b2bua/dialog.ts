// One side of a call as a dialog (RFC 3261 §12): the identifiers, the remote target and route
// set, and our CSeq, so in-dialog requests (ACK for 2xx, BYE) can be built for that side.
// A B2BUA holds two of these per call, one per leg, and never mixes their identifiers.
import type { HeaderField, SipRequest, SipResponse } from '../sip/message.ts';
import { headerValue } from '../sip/message.ts';
import { contacts, formatNameAddr, fromHeader, parseNameAddr, recordRoutes, toHeader } from '../sip/name-addr.ts';
import type { NameAddr } from '../sip/name-addr.ts';
import { cseqHeader } from '../sip/scalar-headers.ts';
import { defaultPort, transportOfUri } from '../sip/response-routing.ts';
import type { Destination, MessageSource } from '../sip/transport.ts';
import type { Uri } from '../sip/uri.ts';
import { socketHost } from '../sip/uri.ts';
import { randomHex } from '../sip/random-hex.ts';

export interface Dialog {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  /** Our party as the From of requests we send in this dialog (tag included). */
  readonly local: NameAddr;
  /** The peer as the To of requests we send in this dialog (tag included). */
  readonly remote: NameAddr;
  /** The peer's Contact: the Request-URI of our requests; a target refresh replaces it. */
  remoteTarget: Uri;
  /** Route header values for requests we send, in order. */
  readonly routeSet: readonly string[];
  /** Where requests of this dialog go on the wire. */
  destination: Destination;
  /** 'flow': over the flow the peer is known by (the caller's, a registered phone's); 'target': its route set or Contact (a trunk, a SIP URI). */
  readonly reachedBy: 'flow' | 'target';
  /** The CSeq number of the last request we sent (the next uses one more). */
  localSeq: number;
}

export function newCallId(host: string): string {
  return `${randomHex(12)}@${host}`;
}

const withTag = (nameAddr: NameAddr, tag: string): NameAddr => ({ ...nameAddr, params: new Map(nameAddr.params).set('tag', tag) });

function contactUri(message: SipRequest | SipResponse): Uri | undefined {
  const first = contacts(message)?.[0];
  return first && !first.star ? first.uri : undefined;
}

/**
 * Why an INVITE cannot make a dialog with its caller (§12.1.1 needs the From tag and a Contact,
 * which §8.1.1 makes mandatory), or undefined when it can. Checked before a call starts: found
 * only at the answer, the callee would already have been rung and answered for nothing.
 */
export function dialogProblem(invite: SipRequest): string | undefined {
  if (!fromHeader(invite)?.params.get('tag')) return 'Missing From Tag';
  if (!contactUri(invite)) return 'Missing Contact';
  return undefined;
}

/**
 * The dialog we hold as UAS towards the caller. In-dialog requests go back over the flow the
 * INVITE came in on (its source address and port) rather than to the Contact: carriers' SBCs
 * and phones behind NAT are only reachable that way, and on a direct path the two are the same.
 */
export function uasDialog(invite: SipRequest, localTag: string, source: MessageSource): Dialog | undefined {
  const from = fromHeader(invite);
  const to = toHeader(invite);
  const callId = headerValue(invite, 'Call-ID');
  const remoteTag = from?.params.get('tag');
  const target = contactUri(invite);
  if (!from || !to || !callId || !remoteTag || !target) return undefined;
  return {
    callId,
    localTag,
    remoteTag,
    local: withTag(to, localTag),
    remote: from,
    remoteTarget: target,
    routeSet: (recordRoutes(invite) ?? []).map(formatNameAddr),
    destination: { address: source.address, port: source.port, transport: source.transport },
    reachedBy: 'flow',
    localSeq: 0,
  };
}

/**
 * The dialog a 2xx to our INVITE creates (we are UAC): route set is the Record-Route reversed
 * (§12.1.2). Reached by 'flow', its requests keep going where the INVITE went.
 */
export function uacDialog(invite: SipRequest, response: SipResponse, destination: Destination, reachedBy: 'flow' | 'target' = 'target'): Dialog | undefined {
  const from = fromHeader(invite);
  const to = toHeader(response);
  const callId = headerValue(invite, 'Call-ID');
  const localTag = from?.params.get('tag');
  const remoteTag = to?.params.get('tag');
  const target = contactUri(response);
  const seq = cseqHeader(invite)?.seq;
  if (!from || !to || !callId || !localTag || !remoteTag || !target || seq === undefined) return undefined;
  const routeSet = (recordRoutes(response) ?? []).map(formatNameAddr).reverse();
  return {
    callId, localTag, remoteTag, local: from, remote: to, remoteTarget: target, routeSet,
    destination: reachedBy === 'flow' ? destination : nextHop(routeSet, target, destination),
    reachedBy,
    localSeq: seq,
  };
}

/**
 * A target refresh (§12.2): the Contact of a re-INVITE or UPDATE the peer sent, or of its 2xx to
 * ours, becomes the dialog's remote target. A peer reached by its flow stays reached that way.
 */
export function refreshTarget(dialog: Dialog, message: SipRequest | SipResponse): void {
  const target = contactUri(message);
  if (!target) return;
  dialog.remoteTarget = target;
  if (dialog.reachedBy === 'target') dialog.destination = nextHop(dialog.routeSet, target, dialog.destination);
}

/**
 * Where in-dialog requests to the callee go: its first Route when a proxy record-routed,
 * else its Contact. Only the host and port change: the transport stays the one the INVITE used.
 */
function nextHop(routeSet: readonly string[], target: Uri, fallback: Destination): Destination {
  const first = routeSet[0];
  const uri = first === undefined ? target : routeUri(first);
  if (!uri || uri.kind !== 'sip') return fallback;
  // A hop naming no transport keeps the INVITE's.
  const transport = transportOfUri(uri) ?? fallback.transport;
  return { address: socketHost(uri.host), port: uri.port ?? defaultPort(transport), transport };
}

function routeUri(value: string): Uri | undefined {
  const parsed = parseNameAddr(value);
  return parsed.ok ? parsed.value.uri : undefined;
}

/** A request within the dialog (§12.2.1.1). ACK reuses the INVITE's CSeq number; others take the next one. */
export function inDialogRequest(dialog: Dialog, method: string, options: { seq?: number; headers?: HeaderField[]; body?: Buffer } = {}): SipRequest {
  const seq = options.seq ?? ++dialog.localSeq;
  const headers: HeaderField[] = [
    ...dialog.routeSet.map((value) => ({ name: 'Route', value })),
    { name: 'Max-Forwards', value: '70' },
    { name: 'From', value: formatNameAddr(dialog.local) },
    { name: 'To', value: formatNameAddr(dialog.remote) },
    { name: 'Call-ID', value: dialog.callId },
    { name: 'CSeq', value: `${seq} ${method}` },
    ...(options.headers ?? []),
  ];
  return { kind: 'request', method, uri: dialog.remoteTarget, version: 'SIP/2.0', headers, body: options.body ?? Buffer.alloc(0) };
}

/** The key under which a request arriving in this dialog is found: Call-ID plus our tag. */
export const dialogKey = (callId: string, localTag: string) => `${callId}\u0000${localTag}`;
