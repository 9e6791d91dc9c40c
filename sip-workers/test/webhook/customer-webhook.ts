// A customer's webhook server on 127.0.0.1: each path has a handler, every request is recorded
// with its form parameters and whether its signature validates (checked the way a customer's
// Twilio validator would, over the URL it was called at).
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../../../testing/control-plane/processes.ts';
import { validateTwilioSignature } from '../../src/webhook/twilio-signature.ts';

export const AUTH_TOKEN = 'f3a1c2d4e5b6a7980123456789abcdef';

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  /** The full URL as the customer would reconstruct it: http://127.0.0.1:<port><path and query>. */
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  /** Form body parameters (POST) or query parameters (GET). */
  readonly params: [string, string][];
  readonly body: string;
  readonly signatureValid: boolean;
  /** Which TCP connection carried it, numbered from 1. */
  readonly connection: number;
}

export type Handler = (request: ReceivedRequest, response: ServerResponse) => void;

export interface CustomerWebhook {
  readonly baseUrl: string;
  readonly requests: ReceivedRequest[];
  route(path: string, handler: Handler): void;
  close(): Promise<void>;
}

export async function startCustomerWebhook(signatureHeader = 'x-twilio-signature'): Promise<CustomerWebhook> {
  const routes = new Map<string, Handler>();
  const requests: ReceivedRequest[] = [];
  const connections = new WeakMap<object, number>();
  let connectionCount = 0;
  let baseUrl = '';

  const server: Server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = `${baseUrl}${incoming.url ?? '/'}`;
      const parsedUrl = new URL(url);
      const isPost = incoming.method === 'POST';
      const params = [...(isPost ? new URLSearchParams(body) : parsedUrl.searchParams)];
      const presented = incoming.headers[signatureHeader.toLowerCase()];
      const signatureValid = typeof presented === 'string'
        && validateTwilioSignature(AUTH_TOKEN, presented, url, isPost ? params : []);
      const request: ReceivedRequest = {
        method: incoming.method ?? '',
        path: parsedUrl.pathname,
        url,
        headers: incoming.headers,
        params,
        body,
        signatureValid,
        connection: connections.get(incoming.socket) ?? 0,
      };
      requests.push(request);
      const handler = routes.get(parsedUrl.pathname);
      if (handler === undefined) {
        response.writeHead(404).end();
        return;
      }
      handler(request, response);
    });
  });
  server.on('connection', (socket) => connections.set(socket, ++connectionCount));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl,
    requests,
    route: (path, handler) => routes.set(path, handler),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export function answerTwiml(twiml: string): Handler {
  return (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/xml' }).end(twiml);
  };
}

/** A port on 127.0.0.1 with nothing listening. */
export const closedPort = freePort;

export const param = (request: ReceivedRequest | undefined, name: string): string | undefined =>
  request?.params.find(([key]) => key === name)?.[1];
