// One HTTP exchange with a customer's server on undici's dispatcher, with kept-alive connections
// and redirects followed as fetch follows them. Not fetch, whose streams and abort signals cost
// the worker about an eighth of its CPU at hundreds of calls a second, and not node:http: undici's
// callback interface needs no streams either (46 against 80-110 µs of CPU a request alone; in the
// worker at 800 calls a second the webhook's share of the profile fell from ~25% to ~16%).
// Every outcome is a value; nothing rejects.
import { Agent } from 'undici';
import type { Dispatcher } from 'undici';

export interface HttpExchangeRequest {
  readonly url: URL;
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** For the whole exchange, redirects and body included. */
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  /** read: a 2xx's body is the answer; read-always: any status's (a refusal's reason too); discard: drain it (to reuse the connection) and ignore it. */
  readonly responseBody: 'read' | 'read-always' | 'discard';
  readonly signal?: AbortSignal;
}

export type HttpExchangeResult =
  | { readonly kind: 'response'; readonly status: number; readonly body: string; readonly url: string }
  | { readonly kind: 'too-large'; readonly url: string }
  | { readonly kind: 'timeout' | 'aborted' }
  | { readonly kind: 'error'; readonly error: Error };

/** fetch's limit (https://fetch.spec.whatwg.org/#http-redirect-fetch). */
const MAX_REDIRECTS = 20;

// Idle connections close 2 s before the server's Keep-Alive hint (4 s without one), so a request
// never goes out on a connection the server is closing. HTTP/1.1 only, as node:http spoke before:
// a customer's server sees one request per connection at a time, as Twilio's webhooks do.
const dispatcher = new Agent({ allowH2: false });

export function httpExchange(request: HttpExchangeRequest): Promise<HttpExchangeResult> {
  return new Promise((resolve) => {
    let controller: Dispatcher.DispatchController | undefined;
    let settled = false;
    const finish = (result: HttpExchangeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const stop = (kind: 'timeout' | 'aborted') => {
      finish({ kind });
      controller?.abort(new Error(kind));
    };
    const onAbort = () => stop('aborted');
    const timer = setTimeout(() => stop('timeout'), request.timeoutMs);
    if (request.signal?.aborted === true) return stop('aborted');
    request.signal?.addEventListener('abort', onAbort, { once: true });

    const send = (url: URL, method: 'GET' | 'POST', body: string | undefined, redirects: number) => {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        return finish({ kind: 'error', error: new Error(`unsupported scheme ${url.protocol}`) });
      }
      let status = 0;
      let location: string | undefined;
      let mode: 'read' | 'discard' | 'redirect' = 'discard';
      // This hop's outcome is settled (its own abort then reports an error to ignore).
      let decided = false;
      let size = 0;
      const chunks: Buffer[] = [];
      const options: Dispatcher.DispatchOptions = {
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method,
        headers: requestHeaders(url, request.headers, body),
        body: body ?? null,
      };
      try {
        dispatcher.dispatch(options, handler());
      } catch (error) {
        // Refused before it was sent (undici checks the request's headers and URL first).
        finish({ kind: 'error', error: error instanceof Error ? error : new Error(String(error)) });
      }

      function handler(): Dispatcher.DispatchHandler {
        return {
          onRequestStart(started) {
            controller = started;
            // Timed out or abandoned while queued for a connection.
            if (settled) started.abort(new Error('abandoned'));
          },
          onResponseStart(_started, statusCode, headers) {
            if (decided) return;
            status = statusCode;
            location = headerValue(headers['location']);
            if (isRedirect(status) && location !== undefined && URL.canParse(location, url.href)) mode = 'redirect';
            else if (request.responseBody === 'read-always') mode = 'read';
            else mode = status >= 200 && status <= 299 ? request.responseBody : 'discard';
            if (Number(headerValue(headers['content-length']) ?? Number.NaN) > request.maxBodyBytes) cutOff();
          },
          onResponseData(_started, chunk) {
            if (decided) return;
            size += chunk.byteLength;
            if (size > request.maxBodyBytes) cutOff();
            else if (mode === 'read') chunks.push(chunk);
          },
          onResponseEnd() {
            if (decided) return;
            decided = true;
            if (mode === 'redirect') return follow();
            finish({ kind: 'response', status, body: mode === 'read' ? Buffer.concat(chunks).toString('utf8') : '', url: url.href });
          },
          onResponseError(_started, error) {
            // Our own abort on timeout or hang-up reports itself here too, after finish().
            if (decided) return;
            decided = true;
            finish({ kind: 'error', error });
          },
        };
      }

      // Over the limit the connection is closed rather than drained. A discarded body is never
      // too large: it was cut off, and the status (or the redirect) stands.
      function cutOff() {
        decided = true;
        controller?.abort(new Error('response body over the limit'));
        if (mode === 'redirect') follow();
        else if (mode === 'read') finish({ kind: 'too-large', url: url.href });
        else finish({ kind: 'response', status, body: '', url: url.href });
      }
      function follow() {
        if (settled) return;
        if (redirects >= MAX_REDIRECTS) return finish({ kind: 'error', error: new Error(`more than ${MAX_REDIRECTS} redirects`) });
        // As fetch: 303, and 301/302 after a POST, become a GET without a body.
        const becomesGet = status === 303 || ((status === 301 || status === 302) && method === 'POST');
        send(new URL(location ?? '', url), becomesGet ? 'GET' : method, becomesGet ? undefined : body, redirects + 1);
      }
    };
    send(request.url, request.method, request.body, 0);
  });
}

/** The request's headers, with Basic credentials from the URL's user info as node:http and fetch send them, unless the request has its own. */
function requestHeaders(url: URL, headers: Readonly<Record<string, string>>, body: string | undefined): Record<string, string> {
  const sent: Record<string, string> = { ...headers };
  if (body === undefined) delete sent['content-type'];
  if ((url.username !== '' || url.password !== '') && sent['authorization'] === undefined) {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    sent['authorization'] = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }
  return sent;
}

const headerValue = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

const isRedirect = (status: number) => status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
