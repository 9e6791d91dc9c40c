// Where a response goes when it cannot simply follow its request back on the same
// connection (RFC 3261 §18.2.2, RFC 3581 §4). Kept pure so the rules can be tested
// without sockets.
import { parseHost, socketHost } from './uri.ts';
import type { SipUri } from './uri.ts';
import type { Via } from './via.ts';
import { viaReceived, viaRport } from './via.ts';

export type TransportKind = 'udp' | 'tcp' | 'tls';

export interface Destination {
  /** IP address or host name, without IPv6 brackets. */
  address: string;
  port: number;
  transport: TransportKind;
  /**
   * Only over a connection already open: a flow a registered phone opened (RFC 5626 §3). Its NAT
   * maps a new connection to the phone's old port to no one, or to someone else; the phone
   * re-opens its flow itself, by registering again.
   */
  flowOnly?: boolean;
  /** Over TLS: the name the server's certificate must carry, when `address` was located from it (RFC 5922 §4). */
  serverName?: string;
}

export const DEFAULT_SIP_PORT = 5060;
export const DEFAULT_SIPS_PORT = 5061;

/** The Via transport token as one of ours, or undefined for SCTP, WS and the rest. */
export function transportOfVia(via: Via): TransportKind | undefined {
  if (via.transport === 'UDP') return 'udp';
  if (via.transport === 'TCP') return 'tcp';
  if (via.transport === 'TLS') return 'tls';
  return undefined;
}

/**
 * The transport a SIP URI asks for: TLS for sips: (§26.2.2 forbids less) or transport=tls, else
 * the one its transport parameter names; undefined when it names none of ours (or none at all),
 * which each caller settles its own way.
 */
export function transportOfUri(uri: SipUri): TransportKind | undefined {
  const named = uri.params.get('transport')?.toLowerCase();
  if (uri.scheme === 'sips' || named === 'tls') return 'tls';
  return named === 'tcp' || named === 'udp' ? named : undefined;
}

/** TCP and TLS deliver or fail: no retransmissions, and no lingering for them (§17). */
export const isReliable = (transport: TransportKind): boolean => transport !== 'udp';

/** The port a transport means when a URI or Via names none (§19.1.2, §18.2.2). */
export const defaultPort = (transport: TransportKind): number => (transport === 'tls' ? DEFAULT_SIPS_PORT : DEFAULT_SIP_PORT);

/** A sent-by (host:port, IPv6 in brackets), such as a worker replica's, as a UDP destination; undefined without a port. */
export function sentByDestination(sentBy: string): Destination | undefined {
  const parsed = parseHost(sentBy);
  if (!parsed.ok || parsed.value.port === undefined) return undefined;
  return { address: socketHost(parsed.value.host), port: parsed.value.port, transport: 'udp' };
}

/**
 * §18.2.2 for a response whose top Via is `via`:
 * - UDP with maddr: to maddr at the sent-by port (multicast TTL is not applied).
 * - UDP with received and a filled rport (RFC 3581): to received:rport, the request's source.
 * - UDP with received: to received at the sent-by port.
 * - otherwise (and TCP or TLS whose connection is gone): received or sent-by host, at the sent-by port,
 *   since a TCP source port is ephemeral and nobody listens on it.
 */
export function responseDestination(via: Via): Destination | undefined {
  const transport = transportOfVia(via);
  if (!transport) return undefined;
  const sentByPort = via.port ?? defaultPort(transport);
  const received = viaReceived(via);
  const host = received ?? socketHost(via.host);
  if (transport === 'udp') {
    const maddr = via.params.get('maddr');
    if (maddr) return { address: socketHost(maddr), port: sentByPort, transport };
    const rport = viaRport(via);
    if (received !== undefined && typeof rport === 'number') return { address: socketHost(received), port: rport, transport };
  }
  return { address: socketHost(host), port: sentByPort, transport };
}
