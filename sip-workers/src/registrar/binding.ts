// A registration binding (RFC 3261 §10): one Contact of a SipDomain user's address-of-record,
// with the flow its REGISTER came over (RFC 5626: the way back to a UA behind NAT) and the push
// parameters the UA gave (RFC 8599), so a call can reach it or wake it.
import type { TransportKind } from '../sip/transport.ts';

/** A SipDomain user within one carrier: the key of a set of bindings. */
export interface AddressOfRecord {
  carrier: string;
  /** The SipDomain's fully qualified domain, lower-cased. */
  domain: string;
  /** The credential's username, case-sensitive like the digest username. */
  user: string;
}

/** Where the REGISTER came from, and which worker took it: a TCP or TLS flow lives on that worker only. */
export interface Flow {
  transport: TransportKind;
  address: string;
  port: number;
  /** The sent-by (host:port) of the worker that received the REGISTER. */
  edge: string;
}

/** RFC 8599's pn-provider, pn-prid and pn-param Contact URI parameters. */
export interface PushParameters {
  provider: string;
  prid?: string;
  param?: string;
}

export interface Binding {
  /** Identifies the binding within its AOR: RFC 5626's instance and reg-id, else the Contact URI. */
  id: string;
  /** The Contact as registered (name-addr, without its expires parameter), echoed in the 200. */
  contact: string;
  /** The Contact URI: the Request-URI of a call to this binding. */
  uri: string;
  /** Contact q parameter, 0 to 1; absent means the UA gave none. */
  q?: number;
  /** §10.3 step 7: a later REGISTER of the same Call-ID must carry a higher CSeq. */
  callId: string;
  cseq: number;
  flow: Flow;
  /** The Contact's host and port are not where the REGISTER came from. */
  natted: boolean;
  instance?: string;
  regId?: number;
  push?: PushParameters;
  userAgent?: string;
}

/** A binding as read back from the store: still current, with the time it has left. */
export interface CurrentBinding extends Binding {
  /** Whole seconds until it expires (at least 1: a binding with less left is not returned). */
  expiresIn: number;
}

export function aorUri(aor: AddressOfRecord): string {
  return `sip:${aor.user}@${aor.domain}`;
}
