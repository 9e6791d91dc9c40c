// Fetching a call's TwiML: the voice URL first, then the fallback URL when the first answer is
// unusable, as Twilio does (https://www.twilio.com/docs/usage/security/availability-reliability):
// the fallback request carries the same parameters plus ErrorCode and ErrorUrl, with the code
// Twilio's error dictionary uses for what went wrong.
import type { Webhook } from '../../../api/routing/schema.ts';
import { parseTwiml } from '../twiml/parse-twiml.ts';
import type { TwimlDocument } from '../twiml/twiml-verbs.ts';
import type { WebhookParams } from './twilio-signature.ts';
import { sendWebhook } from './webhook-request.ts';
import type { WebhookFailure } from './webhook-request.ts';

export const DEFAULT_SIGNATURE_HEADER = 'X-Twilio-Signature';
/** Twilio refuses TwiML over 64 kB (error 11750). */
export const MAX_TWIML_BYTES = 64 * 1024;

export interface TwimlRequest {
  readonly primary: Webhook;
  readonly fallback?: Webhook;
  readonly params: WebhookParams;
  readonly authToken: string;
  readonly signatureHeader?: string;
  /** Per attempt. */
  readonly timeoutMs: number;
  readonly maxBodyBytes?: number;
  /** Abandons the fetch (and skips the fallback), e.g. when the caller hangs up. */
  readonly signal?: AbortSignal;
}

export interface WebhookAttempt {
  readonly url: string;
  readonly method: Webhook['method'];
  /** Twilio's error code for a failed attempt; absent when the attempt produced TwiML. */
  readonly errorCode?: number;
  readonly detail: string;
}

export type TwimlFetchResult =
  | {
    readonly ok: true;
    readonly twiml: string;
    readonly document: TwimlDocument;
    /** The configured URL that answered. */
    readonly url: string;
    readonly usedFallback: boolean;
    readonly attempts: readonly WebhookAttempt[];
  }
  | { readonly ok: false; readonly reason: string; readonly attempts: readonly WebhookAttempt[] };

// Twilio's error dictionary (https://www.twilio.com/docs/api/errors).
export const TWILIO_ERROR = {
  invalidUrl: 11100,
  httpRetrievalFailure: 11200,
  httpConnectionFailure: 11205,
  httpBadHostName: 11210,
  responseTooLarge: 11750,
  documentParseFailure: 12100,
} as const;

const ERROR_CODES: Readonly<Record<WebhookFailure['kind'], number>> = {
  'invalid-url': TWILIO_ERROR.invalidUrl,
  'bad-host': TWILIO_ERROR.httpBadHostName,
  'network': TWILIO_ERROR.httpConnectionFailure,
  'timeout': TWILIO_ERROR.httpConnectionFailure,
  'http-status': TWILIO_ERROR.httpRetrievalFailure,
  'too-large': TWILIO_ERROR.responseTooLarge,
  'aborted': TWILIO_ERROR.httpConnectionFailure,
};

type AttemptOutcome =
  | { readonly ok: true; readonly twiml: string; readonly document: TwimlDocument }
  | { readonly ok: false; readonly errorCode: number; readonly detail: string; readonly aborted: boolean };

export async function fetchTwiml(request: TwimlRequest): Promise<TwimlFetchResult> {
  const attempts: WebhookAttempt[] = [];
  const primary = await attempt(request, request.primary, request.params);
  if (primary.ok) return answered(primary, request.primary, false, attempts, 'TwiML');
  attempts.push({ ...request.primary, errorCode: primary.errorCode, detail: primary.detail });
  if (primary.aborted) return { ok: false, reason: primary.detail, attempts };
  if (request.fallback === undefined) return { ok: false, reason: `voice URL failed (${primary.errorCode}): ${primary.detail}`, attempts };

  const fallbackParams: WebhookParams = [
    ...request.params,
    ['ErrorCode', String(primary.errorCode)],
    ['ErrorUrl', request.primary.url],
  ];
  const fallback = await attempt(request, request.fallback, fallbackParams);
  if (fallback.ok) return answered(fallback, request.fallback, true, attempts, 'TwiML from the fallback URL');
  attempts.push({ ...request.fallback, errorCode: fallback.errorCode, detail: fallback.detail });
  return {
    ok: false,
    reason: `voice URL failed (${primary.errorCode}): ${primary.detail}; fallback URL failed (${fallback.errorCode}): ${fallback.detail}`,
    attempts,
  };
}

async function attempt(request: TwimlRequest, target: Webhook, params: WebhookParams): Promise<AttemptOutcome> {
  const exchange = await sendWebhook({
    target,
    params,
    authToken: request.authToken,
    signatureHeader: request.signatureHeader ?? DEFAULT_SIGNATURE_HEADER,
    timeoutMs: request.timeoutMs,
    maxBodyBytes: request.maxBodyBytes ?? MAX_TWIML_BYTES,
    accept: 'application/xml, text/xml',
    body: 'read',
    ...(request.signal === undefined ? {} : { signal: request.signal }),
  });
  if (!exchange.ok) {
    const { kind, detail } = exchange.failure;
    return { ok: false, errorCode: ERROR_CODES[kind], detail, aborted: kind === 'aborted' };
  }
  // Relative URLs in the document resolve against where it actually came from (after redirects).
  const parsed = parseTwiml(exchange.body, exchange.responseUrl);
  if (!parsed.ok) {
    return { ok: false, errorCode: TWILIO_ERROR.documentParseFailure, detail: `not usable TwiML from ${target.url}: ${parsed.error.detail}`, aborted: false };
  }
  return { ok: true, twiml: exchange.body, document: parsed.document };
}

function answered(
  outcome: Extract<AttemptOutcome, { ok: true }>, target: Webhook, usedFallback: boolean, attempts: WebhookAttempt[], what: string,
): TwimlFetchResult {
  attempts.push({ ...target, detail: `${what} (${outcome.document.verbs.length} verbs)` });
  return { ok: true, twiml: outcome.twiml, document: outcome.document, url: target.url, usedFallback, attempts };
}
