// The facts of an INVITE the inbound router decides on, taken from the message by the SIP layer
// so the router stays a pure function of plain values.
export type DigestOutcome =
  | { kind: 'none' }
  | { kind: 'ok'; username: string }
  | { kind: 'stale' }
  | { kind: 'failed'; detail: string };

export interface InboundRequest {
  sourceAddress: string;
  /** Request-URI user part (or a tel: URI's number); empty when absent. */
  requestUser: string;
  /** Request-URI host, lower-cased; empty for tel: URIs. */
  requestHost: string;
  /** The From URI's user part, and the From URI as written. */
  fromUser: string;
  fromUri: string;
  /** The credentials the caller sent, verified by the SIP layer against the domain named by requestHost. */
  digest: DigestOutcome;
}
