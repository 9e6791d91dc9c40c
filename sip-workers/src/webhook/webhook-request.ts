// One signed webhook exchange: encode the parameters (form body for POST, query string for
// GET), sign, send through the global fetch (undici keeps connections to a customer's server
// alive between calls), and read a bounded body. Every outcome is a value; nothing rejects.
import type { Webhook } from '../../../api/routing/schema.ts';
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
  if (!URL.canParse(target.url)) return failed('invalid-url', `"${target.url}" is not a URL`);
  const isGet = target.method === 'GET';
  // The signed URL is the configured one as written, plus our query for a GET.
  const url = isGet ? withQuery(target.url, params) : target.url;
  const headers: Record<string, string> = {
    'accept': request.accept,
    'user-agent': USER_AGENT,
    [request.signatureHeader]: twilioSignature(request.authToken, url, isGet ? [] : params),
  };
  if (!isGet) headers['content-type'] = 'application/x-www-form-urlencoded';

  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal === undefined ? timeout : AbortSignal.any([timeout, request.signal]);
  try {
    const response = await fetch(url, {
      method: target.method,
      headers,
      ...(isGet ? {} : { body: formEncode(params) }),
      signal,
    });
    if (response.status < 200 || response.status > 299) {
      await response.body?.cancel().catch(() => undefined);
      return { ok: false, failure: { kind: 'http-status', status: response.status, detail: `HTTP ${response.status} from ${target.url}` } };
    }
    const body = await readBounded(response, request.maxBodyBytes, request.body);
    if (body === undefined) return failed('too-large', `response body over ${request.maxBodyBytes} bytes from ${target.url}`);
    return { ok: true, status: response.status, body, responseUrl: response.url };
  } catch (error) {
    if (timeout.aborted) return failed('timeout', `no complete answer from ${target.url} within ${request.timeoutMs} ms`);
    if (request.signal?.aborted === true) return failed('aborted', `request to ${target.url} abandoned`);
    return networkFailure(error, target.url);
  }
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

/** The body as text, or undefined when it exceeds the limit (discarded bodies are never too large). */
async function readBounded(response: Response, maxBytes: number, mode: 'read' | 'discard'): Promise<string | undefined> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes || response.body === null) {
    await response.body?.cancel().catch(() => undefined);
    return declared > maxBytes && mode === 'read' ? undefined : '';
  }
  // undici types the body as ReadableStream<any>; its chunks are bytes.
  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      // Cancelling mid-body closes the connection; the remainder is never read.
      await reader.cancel().catch(() => undefined);
      return mode === 'read' ? undefined : '';
    }
    if (mode === 'read') chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
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
