// The parameters a voice webhook receives, named and valued as Twilio sends them, so that a
// customer's Twilio application works unchanged. Pure: the call handler gathers the facts from
// the INVITE and routing, this module only names them.
//   Voice request:   https://www.twilio.com/docs/voice/twiml#request-parameters
//   SIP calls:       https://www.twilio.com/docs/voice/api/sip-twiml (SipDomain, SipCallId, SipHeader_X-…)
//   Status callback: https://www.twilio.com/docs/voice/api/call-resource#statuscallback

/** Every status a call has, as the Call resource and its callbacks name them. */
export const CALL_STATUSES = ['queued', 'ringing', 'in-progress', 'completed', 'busy', 'no-answer', 'failed', 'canceled'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];
export type FinalCallStatus = 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';

/** What a status callback may say: a call progress event's initiated besides the call's own statuses. */
export type StatusCallbackStatus = CallStatus | 'initiated';

export const API_VERSION = '2010-04-01';

// Our own signalling between workers and trunks; a caller could also forge these, and neither
// should reach a customer's application.
const INTERNAL_HEADER = /^x-switchyard-/i;
const CUSTOM_HEADER = /^x-./i;

export interface SipHeaderField {
  readonly name: string;
  readonly value: string;
}

export interface CallDetails {
  readonly callSid: string;
  readonly accountSid: string;
  /** The caller: an E.164 number for PSTN calls, the From URI for SIP domain calls. */
  readonly from: string;
  /** The callee: an E.164 number, or the Request-URI for SIP domain calls. */
  readonly to: string;
  readonly callerName?: string;
  readonly forwardedFrom?: string;
  /** The INVITE's header fields in order; only X- headers are forwarded. */
  readonly headers: readonly SipHeaderField[];
  /** 'outbound-api' for a call placed through the REST API, 'outbound-dial' for the call a <Dial> noun makes; default 'inbound'. */
  readonly direction?: 'inbound' | 'outbound-api' | 'outbound-dial';
  /** The call whose <Dial> made this one. */
  readonly parentCallSid?: string;
  /** False for a SipDomain with forwardCustomHeaders: false. Defaults to true. */
  readonly forwardCustomHeaders?: boolean;
  readonly sip?: SipCallDetails;
}

export interface SipCallDetails {
  /** The INVITE's Call-ID. */
  readonly callId: string;
  /** The address the INVITE came from. */
  readonly sourceIp: string;
  /** The SIP domain's fully qualified name, for calls to a SipDomain. */
  readonly domain?: string;
  readonly domainSid?: string;
  /** The digest username the caller authenticated with, if it did. */
  readonly username?: string;
}

export interface CallEnd {
  readonly status: FinalCallStatus;
  /** When the call ended; sent as an RFC 2822 date in UTC, as Twilio does. */
  readonly endedAt: Date;
  /** Seconds from answer to hang-up, for completed calls. */
  readonly durationSeconds?: number;
  /** The final SIP status the call ended with (200 for an answered call, 486, 487…). */
  readonly sipResponseCode?: number;
  /** Counts status callbacks of one call from 0. */
  readonly sequenceNumber?: number;
}

/** Parameters of the voice webhook request (and of the fallback and <Redirect> requests). */
export function callParameters(call: CallDetails, status: CallStatus): [string, string][] {
  return [...identityParameters(call, status), ...customHeaderParameters(call)];
}

/**
 * The CallStatus of a TwiML request: a call that came in is ringing while its TwiML runs; one we
 * placed runs its TwiML once the party answered, as Twilio's outbound-api calls do.
 */
export const twimlRequestStatus = (call: CallDetails): CallStatus => (call.direction === 'outbound-api' ? 'in-progress' : 'ringing');

/** Parameters of the status callback posted when the call ends. */
export function statusCallbackParameters(call: CallDetails, end: CallEnd): [string, string][] {
  const params = identityParameters(call, end.status);
  if (end.status === 'completed' && end.durationSeconds !== undefined) params.push(['CallDuration', String(Math.max(0, Math.round(end.durationSeconds)))]);
  if (end.sipResponseCode !== undefined) params.push(['SipResponseCode', String(end.sipResponseCode)]);
  params.push(
    ['Timestamp', rfc2822(end.endedAt)],
    ['CallbackSource', 'call-progress-events'],
    ['SequenceNumber', String(end.sequenceNumber ?? 0)],
  );
  return params;
}

/** A call progress event's callback (call-progress.ts): the call's identity and the status it reached, numbered. */
export function progressCallbackParameters(call: CallDetails, status: StatusCallbackStatus, at: Date, sequenceNumber: number): [string, string][] {
  return [...identityParameters(call, status), ['Timestamp', rfc2822(at)], ['CallbackSource', 'call-progress-events'], ['SequenceNumber', String(sequenceNumber)]];
}

function identityParameters(call: CallDetails, status: StatusCallbackStatus): [string, string][] {
  const params: [string, string][] = [
    ['CallSid', call.callSid],
    ['AccountSid', call.accountSid],
    ['From', call.from],
    ['To', call.to],
    ['Caller', call.from],
    ['Called', call.to],
    ['CallStatus', status],
    ['Direction', call.direction ?? 'inbound'],
    ['ApiVersion', API_VERSION],
  ];
  if (call.parentCallSid !== undefined) params.push(['ParentCallSid', call.parentCallSid]);
  if (call.callerName !== undefined && call.callerName !== '') params.push(['CallerName', call.callerName]);
  if (call.forwardedFrom !== undefined && call.forwardedFrom !== '') params.push(['ForwardedFrom', call.forwardedFrom]);
  const sip = call.sip;
  if (sip !== undefined) {
    params.push(['SipCallId', sip.callId], ['SipSourceIp', sip.sourceIp]);
    if (sip.domain !== undefined) params.push(['SipDomain', sip.domain]);
    if (sip.domainSid !== undefined) params.push(['SipDomainSid', sip.domainSid]);
    if (sip.username !== undefined) params.push(['SipUsername', sip.username]);
  }
  return params;
}

/** Every X- header as SipHeader_<name as received>, in order; a repeated header repeats the parameter. */
function customHeaderParameters(call: CallDetails): [string, string][] {
  if (call.forwardCustomHeaders === false) return [];
  return call.headers
    .filter(({ name }) => CUSTOM_HEADER.test(name) && !INTERNAL_HEADER.test(name))
    .map(({ name, value }) => [`SipHeader_${name}`, value]);
}

// Date.toUTCString() is RFC 7231's IMF-fixdate, "… GMT"; Twilio writes the numeric zone.
export function rfc2822(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}
