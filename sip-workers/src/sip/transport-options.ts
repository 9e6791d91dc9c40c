// What a SipTransport is built with and reports: its options (TLS included), the events it
// raises instead of throwing on the receive path, and send outcomes.
import type { StunAnswer } from './stun.ts';
import type { TransportKind } from './response-routing.ts';

export type TransportEventKind =
  | 'parse-error'
  | 'answered-400'
  | 'framing-error'
  | 'socket-error'
  | 'idle-timeout'
  | 'write-overflow'
  | 'connection-limit'
  | 'response-discarded'
  | 'send-failed'
  | 'handler-threw';

/** What became of a STUN message: answered as stun.ts says, or not, from a flow this replica does not hold. */
export type StunOutcome = StunAnswer | { kind: 'not-our-flow' };

export interface TransportEvent {
  kind: TransportEventKind;
  detail: string;
  remote?: { address: string; port: number; transport: TransportKind };
}

export type SendResult = { ok: true } | { ok: false; error: string };

export interface SipTransportOptions {
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** 0 (the default) binds an ephemeral port, the same one for UDP and TCP. */
  port?: number;
  /** sent-by host for Via, when the bound address is not what peers should see. */
  advertisedHost?: string;
  udpReceiveBufferBytes?: number;
  udpSendBufferBytes?: number;
  /** Close TCP connections silent for this long (default 120 s). */
  tcpIdleTimeoutMs?: number;
  /** Inbound plus outbound (default 1024); further inbound connections are refused at once. */
  maxTcpConnections?: number;
  /** Per-connection bound on a message being received (default 64 KiB). */
  tcpMaxReadBufferBytes?: number;
  /** Per-connection bound on unsent output (default 1 MiB). */
  tcpMaxWriteBufferBytes?: number;
  /** Give up opening an outbound TCP connection (or finishing its TLS handshake) after this long (default 5 s). */
  tcpConnectTimeoutMs?: number;
  /** SIP over TLS: listen on `port` (0: an ephemeral one) and open TLS connections where asked to. */
  tls?: TlsSettings;
  onError?: (event: TransportEvent) => void;
  /** Each STUN message on the UDP port, with what it was answered (RFC 5626 keep-alives). */
  onStun?: (outcome: StunOutcome['kind']) => void;
}

export interface TlsSettings {
  port: number;
  /** PEM private key and certificate chain presented to peers (replaceable: setTlsCredentials). */
  key: string | Buffer;
  cert: string | Buffer;
  /** PEM CAs that peers' certificates are checked against on connections we open; absent: the system's. */
  ca?: string | Buffer;
}
