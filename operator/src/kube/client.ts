// The operator's only HTTP client for the Kubernetes API: client-side QPS/burst limits, a bounded
// number of connections, and a count of every request by verb (the steady-state test reads it).
import type { KubeConfig } from '@kubernetes/client-node';
import { Agent, request, type RequestOptions } from 'node:https';
import { RateLimiter } from './rate-limiter.ts';

export interface ClientOptions {
  qps: number;
  burst: number;
  maxConnections: number;
  onRequest?: (verb: string, status: number, seconds: number) => void;
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

export interface ApiClient {
  request<T = unknown>(method: string, path: string, body?: unknown, contentType?: string): Promise<T>;
  /** Every request sent, by verb: GET, PATCH, POST, PUT, DELETE. */
  readonly requests: Map<string, number>;
}

export async function apiClient(kubeconfig: KubeConfig, options: ClientOptions): Promise<ApiClient> {
  const cluster = kubeconfig.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const base: RequestOptions = {};
  await kubeconfig.applyToHTTPSOptions(base);
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxConnections, ca: base.ca, cert: base.cert, key: base.key, rejectUnauthorized: base.rejectUnauthorized });
  const limiter = new RateLimiter(options.qps, options.burst);
  const server = new URL(cluster.server);
  const requests = new Map<string, number>();

  return {
    requests,
    async request<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
      await limiter.take();
      requests.set(method, (requests.get(method) ?? 0) + 1);
      const started = performance.now();
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(
          { host: server.hostname, port: server.port || 443, path, method, agent, headers: { ...(base.headers ?? {}), accept: 'application/json', ...(payload === undefined ? {} : { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }) }, timeout: 60_000 },
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
      options.onRequest?.(method, status, (performance.now() - started) / 1000);
      if (status < 200 || status >= 300) throw new ApiError(method, path, status, text);
      return (text ? JSON.parse(text) : undefined) as T;
    },
  };
}
