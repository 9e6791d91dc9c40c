// The customer's web application in call tests: a local HTTP server whose routes answer TwiML
// (or fail on purpose) and which records every request it got, parameters and signature. It also
// stands in for a carrier's event webhook, whose JSON bodies it keeps as they came.
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookHit {
  method: string;
  path: string;
  /** The URL as the worker requested it (what the signature covers). */
  url: string;
  params: Array<[string, string]>;
  signature: string | undefined;
  headers: IncomingHttpHeaders;
  /** The request body as sent (a carrier event's JSON). */
  body: string;
}

export type Route = (hit: WebhookHit, response: ServerResponse) => void | Promise<void>;

export interface WebhookServer {
  base: string;
  hits: WebhookHit[];
  route(path: string, handler: Route): void;
  close(): Promise<void>;
}

export const twiml = (body: string): Route => (_hit, response) => {
  response.writeHead(200, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?><Response>${body}</Response>`);
};

export const failing = (status: number): Route => (_hit, response) => {
  response.writeHead(status, { 'content-type': 'text/plain' }).end('failing on purpose');
};

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

export async function startWebhookServer(): Promise<WebhookServer> {
  const routes = new Map<string, Route>();
  const hits: WebhookHit[] = [];
  let base = '';
  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', base);
      const body = request.method === 'POST' ? await readBody(request) : '';
      const params = [...(request.method === 'POST' ? new URLSearchParams(body) : url.searchParams)];
      const signature = request.headers['x-twilio-signature'];
      const hit: WebhookHit = { method: request.method ?? '', path: url.pathname, url: url.toString(), params, signature: typeof signature === 'string' ? signature : undefined, headers: request.headers, body };
      hits.push(hit);
      const handler = routes.get(url.pathname);
      if (handler) await handler(hit, response);
      else response.writeHead(404).end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    hits,
    route: (path, handler) => routes.set(path, handler),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
