// One signed webhook exchange: encode the parameters (form body for POST, query string for
// GET), sign, send (http-exchange.ts keeps connections to a customer's server alive between
// calls), and read a bounded body. Every outcome is a value; nothing rejects.
import type { Webhook } from '../../../api/routing/schema.ts';
import { httpExchange } from './http-exchange.ts';
import { twilioSignature } from './twilio-signature.ts';
import type { WebhookParams } from './twilio-signature.ts';

export const USER_AGENT = 'Switchyard/0.1';

export interface WebhookRequest {
  readonly target: Webhook;
  readonly params: WebhookParams;
  readonly authToken: string;
  readonly signatureHeader: string;
  /** For the whole exchange, body included. */
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  readonly accept: string;
  /** read: the body is the answer; discard: drain it (to reuse the connection) and ignore it. */
  readonly body: 'read' | 'discard';
  /** Aborts the exchange, e.g. when the caller hangs up while we wait. */
  readonly signal?: AbortSignal;
}

export type WebhookExchange =
  | { readonly ok: true; readonly status: number; readonly body: string; readonly responseUrl: string }
  | { readonly ok: false; readonly failure: WebhookFailure };

export interface WebhookFailure {
  readonly kind: 'invalid-url' | 'bad-host' | 'network' | 'timeout' | 'http-status' | 'too-large' | 'aborted';
  readonly detail: string;
  readonly status?: number;
}

export async function sendWebhook(request: WebhookRequest): Promise<WebhookExchange> {
  const { target, params } = request;
  const isGet = target.method === 'GET';
  // The signed URL is the configured one as written, plus our query for a GET.
  const url = isGet ? withQuery(target.url, params) : target.url;
  const parsedUrl = URL.parse(url);
  if (parsedUrl === null) return failed('invalid-url', `"${target.url}" is not a URL`);
  const headers: Record<string, string> = {
    'accept': request.accept,
    'user-agent': USER_AGENT,
    [request.signatureHeader]: twilioSignature(request.authToken, url, isGet ? [] : params),
  };
  if (!isGet) headers['content-type'] = 'application/x-www-form-urlencoded';

  const result = await httpExchange({
    url: parsedUrl,
    method: target.method,
    headers,
    ...(isGet ? {} : { body: formEncode(params) }),
    timeoutMs: request.timeoutMs,
    maxBodyBytes: request.maxBodyBytes,
    responseBody: request.body,
    ...(request.signal === undefined ? {} : { signal: request.signal }),
  });
  switch (result.kind) {
    case 'timeout': return failed('timeout', `no complete answer from ${target.url} within ${request.timeoutMs} ms`);
    case 'aborted': return failed('aborted', `request to ${target.url} abandoned`);
    case 'error': return networkFailure(result.error, target.url);
    case 'too-large': return failed('too-large', `response body over ${request.maxBodyBytes} bytes from ${target.url}`);
  }
  if (result.status < 200 || result.status > 299) {
    return { ok: false, failure: { kind: 'http-status', status: result.status, detail: `HTTP ${result.status} from ${target.url}` } };
  }
  return { ok: true, status: result.status, body: result.body, responseUrl: result.url };
}

/** The configured URL with the parameters appended to its query, before any fragment. */
export function withQuery(url: string, params: WebhookParams): string {
  if (params.length === 0) return url;
  const hash = url.indexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${separator}${formEncode(params)}`;
}

function formEncode(params: WebhookParams): string {
  return new URLSearchParams(params.map(([name, value]): [string, string] => [name, value])).toString();
}

function networkFailure(error: unknown, url: string): WebhookExchange {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : undefined;
  const message = cause instanceof Error ? cause.message : String(cause);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return failed('bad-host', `cannot resolve the host of ${url}: ${message}`);
  return failed('network', `cannot reach ${url}: ${message === '' ? (code ?? 'unknown error') : message}`);
}

function failed(kind: WebhookFailure['kind'], detail: string): WebhookExchange {
  return { ok: false, failure: { kind, detail } };
}
