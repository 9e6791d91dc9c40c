// The HTTP client for the Kubernetes API that the operator, the SIP workers, the push service and
// the CLI share: client-side QPS/burst limits, a bounded number of connections, and a count of
// every request by verb (the operator's steady-state test reads it).
// Requests run in one of two lanes with their own connections: background requests (statuses)
// can fill theirs without a foreground request (routing, leases) ever waiting for a socket, and
// the rate limiter serves the foreground first. Watches stream on connections of their own.
import { Agent, request } from 'node:https';
import type { Connection } from './connection.ts';
import { RateLimiter, type Lane } from './rate-limiter.ts';
import { applyPatchContentType, applyPatchText } from './apply-patch.ts';

export type { Lane } from './rate-limiter.ts';

export interface ClientOptions {
  qps: number;
  burst: number;
  maxConnections: number;
  onRequest?: (verb: string, status: number, seconds: number, lane: Lane) => void;
}

export interface RequestOptions {
  lane?: Lane;
  /** An Accept header other than plain JSON, e.g. metadata-only lists. */
  accept?: string;
  /** The response body is not needed (a 60 KiB shard echoed back by an apply): do not parse it. */
  discardBody?: boolean;
}

export class ApiError extends Error {
  readonly status: number;
  readonly body: string;
  constructor(method: string, path: string, status: number, body: string) {
    super(`${method} ${path}: ${status} ${extractMessage(body)}`);
    this.status = status;
    this.body = body;
  }
}

function extractMessage(body: string): string {
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body.slice(0, 300);
  } catch {
    return body.slice(0, 300);
  }
}

export interface WatchOptions {
  accept?: string;
  /**
   * Silence after which the connection counts as dead (default 15 minutes). A watch asks the
   * server to end it (timeoutSeconds), and with allowWatchBookmarks the server sends a bookmark
   * about once a minute, so a watcher that must notice a dead connection soon sets this lower.
   */
  idleTimeoutMs?: number;
}

/** A watch that stayed silent past its idleTimeoutMs: the connection is taken for dead and closed. */
export class WatchIdleTimeout extends Error {}

/** One line of a watch stream. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: unknown;
}

export interface ApiClient {
  request<T = unknown>(method: string, path: string, body?: unknown, contentType?: string, options?: RequestOptions): Promise<T>;
  /** Streams a watch until the server ends it, the signal aborts it or an error breaks it. */
  watch(path: string, onEvent: (event: WatchEvent) => void, signal: AbortSignal, options?: WatchOptions): Promise<void>;
  /** Every request sent, by verb: GET, PATCH, POST, PUT, DELETE. */
  readonly requests: Map<string, number>;
}

export function apiClient(connection: Connection, options: ClientOptions): ApiClient {
  const { tls, server } = connection;
  const agents: Record<Lane, Agent> = {
    foreground: new Agent({ keepAlive: true, maxSockets: options.maxConnections, ...tls }),
    background: new Agent({ keepAlive: true, maxSockets: options.maxConnections, ...tls }),
  };
  const watchAgent = new Agent({ keepAlive: false, ...tls });
  const limiter = new RateLimiter(options.qps, options.burst);
  const requests = new Map<string, number>();
  const headers = (accept: string | undefined) => ({ ...connection.headers(), accept: accept ?? 'application/json' });

  return {
    requests,
    async request<T>(method: string, path: string, body?: unknown, contentType = 'application/json', requestOptions: RequestOptions = {}): Promise<T> {
      const lane = requestOptions.lane ?? 'foreground';
      await limiter.take(lane);
      requests.set(method, (requests.get(method) ?? 0) + 1);
      const started = performance.now();
      const serialize = contentType === applyPatchContentType ? applyPatchText : JSON.stringify;
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : serialize(body);
      const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(
          { host: server.hostname, port: server.port || 443, path, method, agent: agents[lane], headers: { ...headers(requestOptions.accept), ...(payload === undefined ? {} : { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }) }, timeout: 60_000 },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
        req.on('error', reject);
        req.end(payload);
      });
      options.onRequest?.(method, status, (performance.now() - started) / 1000, lane);
      if (status < 200 || status >= 300) throw new ApiError(method, path, status, text);
      return (text && !requestOptions.discardBody ? JSON.parse(text) : undefined) as T;
    },

    async watch(path, onEvent, signal, watchOptions = {}) {
      await limiter.take('foreground');
      requests.set('WATCH', (requests.get('WATCH') ?? 0) + 1);
      await new Promise<void>((resolve, reject) => {
        const req = request({ host: server.hostname, port: server.port || 443, path, method: 'GET', agent: watchAgent, headers: headers(watchOptions.accept) }, (res) => {
          res.setEncoding('utf8');
          if (res.statusCode !== 200) {
            let text = '';
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => reject(new ApiError('WATCH', path, res.statusCode ?? 0, text)));
            return;
          }
          let buffer = '';
          res.on('data', (chunk: string) => {
            buffer += chunk;
            let start = 0;
            for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n', start)) {
              const line = buffer.slice(start, newline);
              start = newline + 1;
              if (!line.trim()) continue;
              try {
                onEvent(JSON.parse(line) as WatchEvent);
              } catch (error) {
                req.destroy(error as Error);
                return;
              }
            }
            buffer = buffer.slice(start);
          });
          res.on('end', () => resolve());
          res.on('error', reject);
        });
        // A watch asks the server to end it (timeoutSeconds); silence far beyond that is a dead connection.
        const idleMs = watchOptions.idleTimeoutMs ?? 15 * 60_000;
        req.setTimeout(idleMs, () => req.destroy(new WatchIdleTimeout(`WATCH ${path}: no data for ${idleMs / 1000} s`)));
        const abort = () => req.destroy();
        signal.addEventListener('abort', abort, { once: true });
        req.on('close', () => {
          signal.removeEventListener('abort', abort);
          resolve();
        });
        req.on('error', (error) => (signal.aborted ? resolve() : reject(error)));
        req.end();
      });
    },
  };
}
