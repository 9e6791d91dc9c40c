// One HTTPS POST with a deadline, through an agent that carries the trusted CAs and keeps the
// connection open between pushes. Rejects on a network failure or the timeout; any HTTP status
// is a response for the caller to judge.
import type { IncomingHttpHeaders } from 'node:http';
import { request, type Agent } from 'node:https';

export interface HttpsResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export function httpsPost(url: URL, body: string, headers: Record<string, string>, agent: Agent, timeoutMs: number): Promise<HttpsResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    outgoing.setTimeout(timeoutMs, () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Retry-After in seconds (the only form Google sends), as milliseconds. */
export function retryAfterMs(headers: IncomingHttpHeaders): number | undefined {
  const value = headers['retry-after'];
  const seconds = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : undefined;
  return seconds === undefined ? undefined : seconds * 1000;
}

/** A response body as a JSON object; anything else (HTML from a proxy, truncation) as {}. */
export function jsonObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
