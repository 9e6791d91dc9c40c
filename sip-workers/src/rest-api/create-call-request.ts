// The parameters of Twilio's "create a call" (POST /2010-04-01/Accounts/{AccountSid}/Calls.json,
// form-encoded), read the way Twilio reads them, so that a Twilio helper library or the Bandwidth
// seed's curl works unchanged. Pure: the server authenticates and places; this only decides.
//   https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource
import type { Webhook } from '../../../api/routing/schema.ts';
import { INLINE_TWIML_URL } from '../calls/inline-twiml.ts';
import type { PlacedCallRequest } from '../calls/placed-call.ts';
import { PROGRESS_EVENTS, readProgressEvents } from '../webhook/progress-events.ts';
import type { ProgressEvent } from '../webhook/progress-events.ts';
import { DIAL_TIME_LIMIT } from '../twiml/dial-verb.ts';
import { parseTwiml } from '../twiml/parse-twiml.ts';
import type { TwimlDocument } from '../twiml/twiml-verbs.ts';
import { twilioError } from './twilio-error.ts';
import type { TwilioError } from './twilio-error.ts';

/** Twilio's default ring time for a placed call, and its upper bound. */
const DEFAULT_TIMEOUT_SECONDS = 60;
const MAX_TIMEOUT_SECONDS = 600;

const E164_OR_DIGITS = /^\+?[0-9]{2,15}$/;

/** Twilio's bound on inline TwiML. */
const MAX_TWIML_CHARACTERS = 4000;

/**
 * Inline TwiML (the Twiml parameter), read as a fetched document is. There is no document URL to
 * resolve a relative one against, so every URL in it must be absolute.
 */
export function inlineTwiml(text: string | null): TwimlDocument | TwilioError | undefined {
  if (text === null || text.trim() === '') return undefined;
  if (text.length > MAX_TWIML_CHARACTERS) return twilioError(400, 400, `Twiml is ${text.length} characters; at most ${MAX_TWIML_CHARACTERS} are taken`);
  const parsed = parseTwiml(text, INLINE_TWIML_URL);
  return parsed.ok ? parsed.document : twilioError(400, 400, `Twiml is not a TwiML document this worker can carry out: ${parsed.error.detail}`);
}

export function webhookOf(params: URLSearchParams, urlName: string, methodName: string): Webhook | TwilioError | undefined {
  const url = params.get(urlName);
  if (url === null || url === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return twilioError(400, 21205, `${urlName} is not a valid URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return twilioError(400, 21205, `${urlName} must be an http or https URL: ${url}`);
  const method = (params.get(methodName) ?? 'POST').toUpperCase();
  if (method !== 'POST' && method !== 'GET') return twilioError(400, 21205, `${methodName} must be GET or POST, not ${method}`);
  return { url, method };
}

/** StatusCallbackEvent, given once per event or as one space-separated list (as TwiML's statusCallbackEvent is); absent: completed alone. */
function progressEventsOf(params: URLSearchParams): ReadonlySet<ProgressEvent> | TwilioError | undefined {
  const { events, unknown } = readProgressEvents(params.getAll('StatusCallbackEvent'));
  if (unknown !== undefined) return twilioError(400, 20001, `StatusCallbackEvent must be ${PROGRESS_EVENTS.join(', ')}, not ${JSON.stringify(unknown)}`);
  return events;
}

/** StatusCallback with its method and the progress events it gets. */
function statusCallbackOf(params: URLSearchParams): Pick<PlacedCallRequest, 'statusCallback' | 'statusCallbackEvents'> | TwilioError {
  const statusCallback = webhookOf(params, 'StatusCallback', 'StatusCallbackMethod');
  if (isError(statusCallback)) return statusCallback;
  const statusCallbackEvents = progressEventsOf(params);
  if (isError(statusCallbackEvents)) return statusCallbackEvents;
  return { ...(statusCallback ? { statusCallback } : {}), ...(statusCallbackEvents ? { statusCallbackEvents } : {}) };
}

export const isError = (value: unknown): value is TwilioError => typeof value === 'object' && value !== null && 'code' in value && 'more_info' in value;

function timeoutOf(text: string | null): number | TwilioError {
  if (text === null || text === '') return DEFAULT_TIMEOUT_SECONDS;
  const seconds = Number(text);
  if (!Number.isInteger(seconds) || seconds < 1) return twilioError(400, 21208, `Timeout must be a whole number of seconds from 1, not ${text}`);
  // Twilio caps rather than refuses a longer one.
  return Math.min(seconds, MAX_TIMEOUT_SECONDS);
}

function timeLimitOf(text: string | null): number | undefined | TwilioError {
  if (text === null || text === '') return undefined;
  const seconds = Number(text);
  if (!Number.isInteger(seconds) || seconds < 1) return twilioError(400, 20001, `TimeLimit must be a whole number of seconds from 1, not ${text}`);
  // A day at most, as a <Dial timeLimit>; the worker's own limit (SWITCHYARD_MAX_CALL_SECONDS) still ends a bridged call sooner.
  return Math.min(seconds, DIAL_TIME_LIMIT.max);
}

/** Timeout (how long the party rings) and TimeLimit (how long the call may last). */
function timesOf(params: URLSearchParams): Pick<PlacedCallRequest, 'timeoutSeconds' | 'timeLimitSeconds'> | TwilioError {
  const timeoutSeconds = timeoutOf(params.get('Timeout'));
  if (isError(timeoutSeconds)) return timeoutSeconds;
  const timeLimitSeconds = timeLimitOf(params.get('TimeLimit'));
  if (isError(timeLimitSeconds)) return timeLimitSeconds;
  return { timeoutSeconds, ...(timeLimitSeconds === undefined ? {} : { timeLimitSeconds }) };
}

function toOf(text: string | null): string | TwilioError {
  if (text === null || text.trim() === '') return twilioError(400, 21201, 'No \'To\' number is specified');
  const to = text.trim();
  if (/^sips?:/i.test(to)) return to;
  const digits = to.replace(/[\s().-]/g, '');
  if (!E164_OR_DIGITS.test(digits)) return twilioError(400, 21211, `Invalid 'To' Phone Number: ${to}`);
  return digits;
}

/** The call to place, or the error Twilio would answer with. `account` is the authenticated one. */
export function createCallRequest(params: URLSearchParams, account: PlacedCallRequest['account']): PlacedCallRequest | TwilioError {
  const to = toOf(params.get('To'));
  if (isError(to)) return to;
  const from = params.get('From')?.trim() ?? '';
  if (from === '') return twilioError(400, 21213, 'No \'From\' number is specified');
  const voice = webhookOf(params, 'Url', 'Method');
  if (isError(voice)) return voice;
  // As Twilio does, a Url wins over Twiml.
  const twiml = voice === undefined ? inlineTwiml(params.get('Twiml')) : undefined;
  if (voice === undefined && twiml === undefined) return twilioError(400, 21205, 'Url or Twiml is required (an ApplicationSid is not taken)');
  if (isError(twiml)) return twiml;
  const fallback = webhookOf(params, 'FallbackUrl', 'FallbackMethod');
  if (isError(fallback)) return fallback;
  const statusCallback = statusCallbackOf(params);
  if (isError(statusCallback)) return statusCallback;
  const times = timesOf(params);
  if (isError(times)) return times;
  const username = params.get('SipAuthUsername');
  const password = params.get('SipAuthPassword');
  if ((username === null) !== (password === null)) return twilioError(400, 400, 'SipAuthUsername and SipAuthPassword go together');
  return {
    account,
    to,
    from,
    ...(voice ? { voice } : {}),
    ...(twiml ? { twiml } : {}),
    ...(fallback ? { fallback } : {}),
    ...statusCallback,
    ...(username !== null && password !== null ? { sipAuth: { username, password } } : {}),
    ...times,
  };
}
