// The parameters of Twilio's "create a call" (POST /2010-04-01/Accounts/{AccountSid}/Calls.json,
// form-encoded), read the way Twilio reads them, so that a Twilio helper library or the Bandwidth
// seed's curl works unchanged. Pure: the server authenticates and places; this only decides.
//   https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource
import type { Webhook } from '../../../api/routing/schema.ts';
import type { PlacedCallRequest } from '../calls/placed-call.ts';
import { twilioError } from './twilio-error.ts';
import type { TwilioError } from './twilio-error.ts';

/** Twilio's default ring time for a placed call, and its upper bound. */
const DEFAULT_TIMEOUT_SECONDS = 60;
const MAX_TIMEOUT_SECONDS = 600;

const E164_OR_DIGITS = /^\+?[0-9]{2,15}$/;

function webhookOf(params: URLSearchParams, urlName: string, methodName: string): Webhook | TwilioError | undefined {
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

const isError = (value: unknown): value is TwilioError => typeof value === 'object' && value !== null && 'code' in value;

function timeoutOf(text: string | null): number | TwilioError {
  if (text === null || text === '') return DEFAULT_TIMEOUT_SECONDS;
  const seconds = Number(text);
  if (!Number.isInteger(seconds) || seconds < 1) return twilioError(400, 21208, `Timeout must be a whole number of seconds from 1, not ${text}`);
  // Twilio caps rather than refuses a longer one.
  return Math.min(seconds, MAX_TIMEOUT_SECONDS);
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
  if (voice === undefined) return twilioError(400, 21205, 'Url parameter is required (this API does not take inline Twiml or an ApplicationSid)');
  if (isError(voice)) return voice;
  const fallback = webhookOf(params, 'FallbackUrl', 'FallbackMethod');
  if (isError(fallback)) return fallback;
  const statusCallback = webhookOf(params, 'StatusCallback', 'StatusCallbackMethod');
  if (isError(statusCallback)) return statusCallback;
  const timeoutSeconds = timeoutOf(params.get('Timeout'));
  if (isError(timeoutSeconds)) return timeoutSeconds;
  const username = params.get('SipAuthUsername');
  const password = params.get('SipAuthPassword');
  if ((username === null) !== (password === null)) return twilioError(400, 400, 'SipAuthUsername and SipAuthPassword go together');
  return {
    account,
    to,
    from,
    voice,
    ...(fallback ? { fallback } : {}),
    ...(statusCallback ? { statusCallback } : {}),
    ...(username !== null && password !== null ? { sipAuth: { username, password } } : {}),
    timeoutSeconds,
  };
}
