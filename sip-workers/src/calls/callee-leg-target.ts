// The B leg's INVITE as every <Dial> noun starts it: From the caller ID at our host, the caller's
// body and Max-Forwards less one, its session timer (passed end to end), the call's SID for the
// logs on the far side.
import type { DialTarget as LegTarget } from '../b2bua/outgoing-leg.ts';
import { sessionTimerHeaders } from '../b2bua/session-timer-headers.ts';
import { headerValue } from '../sip/message.ts';
import type { NameAddr } from '../sip/name-addr.ts';
import { maxForwardsHeader } from '../sip/scalar-headers.ts';
import type { SipUri } from '../sip/uri.ts';
import type { CallContext } from './call-context.ts';

/** The caller ID as our B legs present it: its user part at our host (a SIP URI's user, or the number). */
export function presentedCaller(callerId: string, localHost: string): NameAddr {
  const callerUser = callerId.replace(/^sips?:/, '').split('@')[0] ?? callerId;
  return { uri: { kind: 'sip', scheme: 'sip', user: callerUser, host: localHost, params: new Map(), headers: [] }, params: new Map() };
}

export function calleeLegTarget(context: CallContext, requestUri: SipUri, callerId: string, ringTimeoutMs: number): Omit<LegTarget, 'destination'> {
  const invite = context.session.callerInvite;
  const contentType = headerValue(invite, 'Content-Type');
  return {
    requestUri,
    from: presentedCaller(callerId, context.settings.localHost),
    to: { uri: requestUri, params: new Map() },
    maxForwards: Math.max(0, (maxForwardsHeader(invite) ?? 70) - 1),
    ringTimeoutMs,
    progressTimeoutMs: context.settings.trunkProgressTimeoutMs,
    headers: [{ name: 'X-Switchyard-Call-Sid', value: context.details.callSid }, ...sessionTimerHeaders(invite)],
    body: invite.body,
    ...(contentType === undefined ? {} : { contentType }),
  };
}
