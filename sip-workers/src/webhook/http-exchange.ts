// One HTTP exchange with a customer's server on node:http(s) with kept-alive connections, and
// redirects followed as fetch follows them. Not the global fetch: at hundreds of calls a second
// its streams, abort signals and per-request objects cost the worker about an eighth of its CPU.
// Every outcome is a value; nothing rejects.
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface HttpExchangeRequest {
  readonly url: URL;
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** For the whole exchange, redirects and body included. */
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  /** read: the body is the answer; discard: drain it (to reuse the connection) and ignore it. */
  readonly responseBody: 'read' | 'discard';
  readonly signal?: AbortSignal;
}

export type HttpExchangeResult =
  | { readonly kind: 'response'; readonly status: number; readonly body: string; readonly url: string }
  | { readonly kind: 'too-large'; readonly url: string }
  | { readonly kind: 'timeout' | 'aborted' }
  | { readonly kind: 'error'; readonly error: Error };

/** fetch's limit (https://fetch.spec.whatwg.org/#http-redirect-fetch). */
const MAX_REDIRECTS = 20;

// LIFO keeps the fewest connections warm under a steady rate; sockets idle past the server's
// keep-alive timeout are closed by it and retried by node on the next request.
const clients: Readonly<Record<string, { send: typeof httpRequest; agent: HttpAgent }>> = {
  'http:': { send: httpRequest, agent: new HttpAgent({ keepAlive: true, scheduling: 'lifo' }) },
  'https:': { send: httpsRequest, agent: new HttpsAgent({ keepAlive: true, scheduling: 'lifo' }) },
};

export function httpExchange(request: HttpExchangeRequest): Promise<HttpExchangeResult> {
  return new Promise((resolve) => {
    let current: ClientRequest | undefined;
    let settled = false;
    const finish = (result: HttpExchangeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const stop = (kind: 'timeout' | 'aborted') => {
      current?.destroy();
      finish({ kind });
    };
    const onAbort = () => stop('aborted');
    const timer = setTimeout(() => stop('timeout'), request.timeoutMs);
    if (request.signal?.aborted === true) return stop('aborted');
    request.signal?.addEventListener('abort', onAbort, { once: true });

    const send = (url: URL, method: 'GET' | 'POST', body: string | undefined, redirects: number) => {
      const client = clients[url.protocol];
      if (client === undefined) return finish({ kind: 'error', error: new Error(`unsupported scheme ${url.protocol}`) });
      const headers: OutgoingHttpHeaders = { ...request.headers };
      if (body === undefined) delete headers['content-type'];
      else headers['content-length'] = Buffer.byteLength(body);
      current = client.send(url, { method, headers, agent: client.agent }, (response) => {
        const status = response.statusCode ?? 0;
        const location = response.headers.location;
        if (isRedirect(status) && location !== undefined && URL.canParse(location, url.href)) {
          response.resume();
          if (redirects >= MAX_REDIRECTS) return finish({ kind: 'error', error: new Error(`more than ${MAX_REDIRECTS} redirects`) });
          // As fetch: 303, and 301/302 after a POST, become a GET without a body.
          const becomesGet = status === 303 || ((status === 301 || status === 302) && method === 'POST');
          return send(new URL(location, url), becomesGet ? 'GET' : method, becomesGet ? undefined : body, redirects + 1);
        }
        const mode = status >= 200 && status <= 299 ? request.responseBody : 'discard';
        readBody(response, request.maxBodyBytes, mode, (outcome) => {
          if (outcome.kind === 'error') finish(outcome);
          // A discarded body is never too large: it was cut off, and the status stands.
          else if (outcome.kind === 'too-large' && mode === 'read') finish({ kind: 'too-large', url: url.href });
          else finish({ kind: 'response', status, body: outcome.kind === 'body' ? outcome.text : '', url: url.href });
        });
      });
      const sent = current;
      let answered = false;
      sent.once('response', () => (answered = true));
      sent.on('error', (error: NodeJS.ErrnoException) => {
        // Our own destroy() on timeout or abort reports itself as a hang-up too.
        if (settled) return;
        // A kept-alive connection the server closed just as we reused it: the request never
        // reached it, so it is sent again once on a fresh connection (as browsers do).
        if (sent.reusedSocket && !answered && error.code === 'ECONNRESET' && !retried) {
          retried = true;
          return send(url, method, body, redirects);
        }
        finish({ kind: 'error', error });
      });
      sent.end(body);
    };
    let retried = false;
    send(request.url, request.method, request.body, 0);
  });
}

const isRedirect = (status: number) => status === 301 || status === 302 || status === 303 || status === 307 || status === 308;

/** The body as text ('' when discarded), or why there is none; over the limit the connection is closed. */
type BodyOutcome = { kind: 'body'; text: string } | { kind: 'too-large' } | { kind: 'error'; error: Error };

function readBody(response: IncomingMessage, maxBytes: number, mode: 'read' | 'discard', done: (outcome: BodyOutcome) => void): void {
  const declared = Number(response.headers['content-length'] ?? Number.NaN);
  if (declared > maxBytes) {
    response.destroy();
    return done({ kind: 'too-large' });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  response.on('data', (chunk: Buffer) => {
    size += chunk.byteLength;
    if (size > maxBytes) {
      response.destroy();
      return done({ kind: 'too-large' });
    }
    if (mode === 'read') chunks.push(chunk);
  });
  response.on('end', () => done({ kind: 'body', text: mode === 'read' ? Buffer.concat(chunks).toString('utf8') : '' }));
  response.on('error', (error) => done({ kind: 'error', error }));
}
