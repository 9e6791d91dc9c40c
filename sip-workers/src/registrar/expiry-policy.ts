// How long each binding is granted (RFC 3261 §10.2.1, §10.3 step 7): what the UA asked for,
// within the registrar's bounds; 423 with Min-Expires below the floor. A UDP client behind NAT
// gets a short interval, so its re-REGISTERs keep the NAT's pinhole open and the flow usable
// (RFC 5626 §3.5's point), unless it registers an RFC 5626 flow: it then keeps the pinhole open
// with STUN keep-alives every half minute or so, which the transport answers.
import type { RequestedContact } from './register-request.ts';
import type { Flow } from './binding.ts';
import { refuse } from './registrar-answer.ts';
import type { RegistrarAnswer } from './registrar-answer.ts';

export interface ExpirySettings {
  /** Granted when neither the Contact nor the request says (§10.2.1.1 suggests 3600). */
  defaultSeconds: number;
  /** Shorter requests (other than 0) get 423 Interval Too Brief. */
  minSeconds: number;
  /** Longer requests are cut to this. */
  maxSeconds: number;
  /** The most a UDP client whose Contact is not its source address gets. */
  nattedUdpSeconds: number;
}

export const defaultExpirySettings: ExpirySettings = { defaultSeconds: 3600, minSeconds: 60, maxSeconds: 3600, nattedUdpSeconds: 60 };

export interface GrantedContact {
  contact: RequestedContact;
  /** 0 removes the binding. */
  seconds: number;
}

/**
 * RFC 5626 §4.2, §6: the UA supports outbound (`Supported: outbound`) and the Contact names a flow
 * (`+sip.instance` and `reg-id`): it keeps that flow alive itself (STUN over UDP, CRLF over TCP
 * and TLS) and registers again as soon as it fails.
 */
export const registersOutboundFlow = (contact: RequestedContact, supportsOutbound: boolean) =>
  supportsOutbound && contact.instance !== undefined && contact.regId !== undefined;

export function grantExpiries(requested: readonly RequestedContact[], flow: Flow, settings: ExpirySettings, supportsOutbound = false): GrantedContact[] | RegistrarAnswer {
  const tooBrief = requested.find((contact) => contact.expires !== undefined && contact.expires > 0 && contact.expires < settings.minSeconds);
  if (tooBrief) {
    return refuse(423, 'Interval Too Brief', `Contact ${tooBrief.uri} asked for ${tooBrief.expires} s, below the minimum of ${settings.minSeconds} s`, [
      { name: 'Min-Expires', value: String(settings.minSeconds) },
    ]);
  }
  return requested.map((contact) => {
    const asked = contact.expires ?? settings.defaultSeconds;
    if (asked === 0) return { contact, seconds: 0 };
    const capped = Math.min(asked, settings.maxSeconds);
    const pinholeKeptByRegistering = flow.transport === 'udp' && contact.natted && !registersOutboundFlow(contact, supportsOutbound);
    const seconds = pinholeKeptByRegistering ? Math.min(capped, settings.nattedUdpSeconds) : capped;
    return { contact, seconds };
  });
}
