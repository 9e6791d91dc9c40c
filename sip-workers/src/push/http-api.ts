// The push service's HTTP port. For SIP workers: POST /v1/push (one push per call and device,
// answered with the outcome). For the operator and people: GET /v1/status (credentials per
// provider). For phones: GET /p, the zero-config launch handler that turns the http link an SMS
// carries into the sipphone:// link that opens the app. For Kubernetes and Prometheus: /livez,
// /readyz, /metrics.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WorkerLogger } from '../worker/logger.ts';
import { launchHandler } from '../zero-config/launch-handler.ts';
import type { PushOutcome } from './gateway-outcome.ts';
import type { PushReply } from './push-dispatcher.ts';
import { pushRequest } from './push-request.ts';
import type { PushService } from './push-service.ts';

const maxBodyBytes = 16 * 1024;
const launch = launchHandler();

/** The HTTP status a worker acts on; the body's `outcome` says the same in words. */
export const statusForOutcome: Record<PushOutcome['kind'], number> = {
  sent: 200,
  unregistered: 410,
  rejected: 422,
  'bad-credentials': 502,
  unavailable: 504,
};

export interface HttpApiOptions {
  host: string;
  port: number;
  carrier: string;
  service: Pick<PushService, 'dispatcher' | 'health' | 'metrics'>;
  draining: () => boolean;
  log: WorkerLogger;
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
}

class BodyTooLarge extends Error {}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function replyBody(reply: PushReply, callId: string): Record<string, unknown> {
  const { outcome } = reply;
  return {
    outcome: outcome.kind,
    provider: reply.provider,
    callId,
    ...(outcome.kind === 'sent' ? { id: outcome.id } : { reason: outcome.reason }),
    ...(outcome.kind === 'bad-credentials' ? { message: outcome.message } : {}),
    attempts: reply.attempts,
    duplicate: reply.duplicate,
  };
}

async function handlePush(request: IncomingMessage, response: ServerResponse, options: HttpApiOptions): Promise<void> {
  if (options.draining()) return json(response, 503, { error: 'the push service is shutting down; ask another replica' });
  let text: string;
  try {
    text = await readBody(request);
  } catch (error) {
    if (error instanceof BodyTooLarge) return json(response, 413, { error: `the body is over ${maxBodyBytes} bytes` });
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return json(response, 400, { error: 'the body is not JSON' });
  }
  const parsed = pushRequest.safeParse(value);
  if (!parsed.success) return json(response, 400, { error: 'invalid push request', issues: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`) });
  if (parsed.data.carrier !== undefined && parsed.data.carrier !== options.carrier) {
    return json(response, 421, { error: `this push service serves Carrier ${options.carrier}, not ${parsed.data.carrier}` });
  }
  const reply = await options.service.dispatcher.push(parsed.data);
  json(response, statusForOutcome[reply.outcome.kind], replyBody(reply, parsed.data.callId));
}

function route(request: IncomingMessage, response: ServerResponse, options: HttpApiOptions): Promise<void> | void {
  const path = (request.url ?? '/').split('?')[0];
  const { service } = options;
  if (path === '/v1/push') {
    if (request.method !== 'POST') return json(response, 405, { error: 'POST a push request' });
    return handlePush(request, response, options);
  }
  if (path === '/v1/status') return json(response, 200, { carrier: options.carrier, draining: options.draining(), credentials: service.health.snapshot() });
  if (path === '/metrics') {
    return service.metrics.registry.metrics().then((text) => {
      response.writeHead(200, { 'content-type': service.metrics.registry.contentType }).end(text);
    });
  }
  if (path === '/p') {
    const answer = launch(request.url ?? '/', request.method);
    return void response.writeHead(answer.status, answer.headers).end(answer.body);
  }
  if (path === '/livez') return void response.writeHead(200).end('ok\n');
  // Ready while taking requests: a provider with bad credentials still has its answer to give,
  // and the other provider may be fine. Credentials are reported on /v1/status instead.
  if (path === '/readyz') return void response.writeHead(options.draining() ? 503 : 200).end(options.draining() ? 'draining\n' : 'ok\n');
  json(response, 404, { error: 'not found' });
}

export async function startHttpApi(options: HttpApiOptions): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    Promise.resolve(route(request, response, options)).catch((error: unknown) => {
      options.log.error({ err: error, path: request.url }, 'push service request failed');
      if (!response.headersSent) json(response, 500, { error: 'internal error' });
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
