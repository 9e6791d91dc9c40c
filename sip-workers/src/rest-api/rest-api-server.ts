// The worker's REST API: Twilio's Calls resource for the carrier's accounts (create a call, fetch
// one, end one), on its own port
// (SWITCHYARD_API_PORT) so that customers never reach /metrics. Each account authenticates with
// its Account SID and auth token (HTTP Basic, as Twilio's helper libraries send them), read from
// the routing generation the worker serves, so a new or rotated token works with the next
// generation and a disabled account is refused. Plain HTTP: TLS ends at the Ingress in front.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallPlacer } from '../calls/placed-call.ts';
import type { RoutingView } from '../routing/routing-view.ts';
import { API_VERSION } from '../webhook/call-parameters.ts';
import type { WorkerLogger } from '../worker/logger.ts';
import type { WorkerMetrics } from '../worker/metrics.ts';
import type { AccountRateLimit } from './account-rate-limit.ts';
import { callListPage, callListQuery, callsWanted } from './call-list.ts';
import { callResource } from './call-resource.ts';
import { callUpdate, redirectRefusal } from './call-update.ts';
import { CallStoreUnavailable } from './call-lookup.ts';
import type { CallLookup } from './call-lookup.ts';
import { callerIdRefusal } from './caller-id.ts';
import { createCallRequest } from './create-call-request.ts';
import { twilioError } from './twilio-error.ts';
import type { TwilioError } from './twilio-error.ts';

/** A form of create-call parameters is a few hundred bytes; anything near this is not one. */
const MAX_BODY_BYTES = 64 * 1024;

const CALLS_PATH = new RegExp(`^/${API_VERSION}/Accounts/(AC[0-9a-fA-F]{32})/Calls(?:/(CA[0-9a-fA-F]{32}))?\\.json$`);

export interface RestApiDeps {
  routing: () => RoutingView | undefined;
  placer: Pick<CallPlacer, 'place'>;
  /** Where calls are found and ended, this worker's or (sharing them through Redis) any replica's. */
  calls: CallLookup;
  /** How fast each account may place calls. */
  rateLimit: Pick<AccountRateLimit, 'take'>;
  /** False while the worker drains: new calls belong on another replica. */
  accepting: () => boolean;
  metrics: WorkerMetrics;
  log: WorkerLogger;
}

const sameSecret = (a: string, b: string) => timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

/** The Basic credentials of a request, or undefined. */
function basicCredentials(request: IncomingMessage): { user: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(request.headers.authorization ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

interface AuthenticatedAccount {
  name: string;
  sid: string;
  authToken: string;
  enabled: boolean;
}

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** The account the request authenticates as, if it is the one the path names and its token matches. */
function authenticatedAccount(request: IncomingMessage, pathSid: string, view: RoutingView): AuthenticatedAccount | undefined {
  const credentials = basicCredentials(request);
  if (credentials?.user !== pathSid) return undefined;
  const account = view.accountBySid(pathSid);
  const token = view.authToken(pathSid);
  if (!account || token === undefined || !sameSecret(credentials.password, token)) return undefined;
  return { name: account.name, sid: pathSid, authToken: token, enabled: account.route.enabled };
}

async function formOf(request: IncomingMessage): Promise<URLSearchParams | TwilioError> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return twilioError(415, 400, 'Expected application/x-www-form-urlencoded parameters');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return twilioError(413, 400, `Parameters beyond ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export class RestApi {
  readonly #deps: RestApiDeps;

  constructor(deps: RestApiDeps) {
    this.#deps = deps;
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { status, body, headers } = await this.#answer(request).catch((error: unknown) => {
      if (!(error instanceof CallStoreUnavailable)) throw error;
      return this.#error(twilioError(503, 20503, `Calls cannot be looked up now (${error.message}): try again`));
    });
    this.#deps.metrics.apiRequests.inc({ status: String(status) });
    response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  }

  async #answer(request: IncomingMessage): Promise<Answer> {
    const url = new URL(request.url ?? '/', 'http://api');
    const path = url.pathname;
    const [, pathSid, callSid] = CALLS_PATH.exec(path) ?? [];
    const notFound = this.#error(twilioError(404, 20404, `The requested resource ${path} was not found`));
    if (pathSid === undefined) return notFound;
    if (request.method !== 'GET' && request.method !== 'POST') return { ...this.#error(twilioError(405, 20004, `Method ${request.method ?? ''} not allowed here: GET or POST`)), headers: { allow: 'GET, POST' } };
    const creating = callSid === undefined && request.method === 'POST';
    const view = this.#deps.routing();
    // A draining worker still answers for its calls; only new ones belong on another replica.
    if (!view || (creating && !this.#deps.accepting())) return this.#error(twilioError(503, 20503, view ? 'This worker is draining: try again' : 'No routing loaded yet: try again'));
    const account = authenticatedAccount(request, pathSid, view);
    if (!account) return { ...this.#error(twilioError(401, 20003, 'Authenticate: your AccountSid or AuthToken was incorrect')), headers: { 'www-authenticate': 'Basic realm="Switchyard API"' } };
    if (!account.enabled) return this.#error(twilioError(403, 20005, 'Account not active'));
    if (callSid !== undefined) return this.#existingCall(request, account.sid, callSid, notFound);
    if (!creating) return this.#listCalls(url.searchParams, account.sid);
    return this.#createCall(request, account, view);
  }

  /** A page of the account's calls, newest first, filtered as call-list.ts reads the query. */
  async #listCalls(params: URLSearchParams, accountSid: string): Promise<Answer> {
    const query = callListQuery(params);
    if ('code' in query) return this.#error(query);
    const matching = await this.#deps.calls.list(accountSid, query, callsWanted(query));
    return { status: 200, body: callListPage(accountSid, query, matching) };
  }

  /** Fetches (GET), ends (POST Status=completed or canceled) or redirects (POST Url or Twiml) one of the account's calls; another account's is not found. */
  async #existingCall(request: IncomingMessage, accountSid: string, callSid: string, notFound: Answer): Promise<Answer> {
    const call = await this.#deps.calls.find(callSid);
    if (call?.accountSid !== accountSid) return notFound;
    if (request.method === 'GET') return { status: 200, body: callResource(call) };
    const form = await formOf(request);
    if (!(form instanceof URLSearchParams)) return this.#error(form);
    const update = callUpdate(form);
    if ('code' in update) return this.#error(update);
    if (update.kind === 'redirect') {
      const outcome = await this.#deps.calls.redirect(callSid, update.target);
      this.#deps.log.info({ callSid, redirect: 'url' in update.target ? update.target.url : 'twiml', outcome }, 'call update through the REST API');
      return outcome === 'redirected' ? { status: 200, body: callResource(call) } : this.#error(redirectRefusal(outcome));
    }
    const ended = await this.#deps.calls.hangUp(callSid, update.mode);
    this.#deps.log.info({ callSid, status: update.mode, now: ended?.status }, 'call update through the REST API');
    return { status: 200, body: callResource(ended ?? call) };
  }

  async #createCall(request: IncomingMessage, account: AuthenticatedAccount, view: RoutingView): Promise<Answer> {
    const form = await formOf(request);
    if (!(form instanceof URLSearchParams)) return this.#error(form);
    const placing = createCallRequest(form, { name: account.name, sid: account.sid, authToken: account.authToken });
    if ('code' in placing) return this.#error(placing);
    const callerId = callerIdRefusal(placing.from, account.name, view);
    if (callerId) return this.#error(callerId);
    const retryAfter = this.#deps.rateLimit.take(account.sid);
    if (retryAfter !== undefined) return { ...this.#error(twilioError(429, 20429, 'Too Many Requests: this account places calls faster than the carrier allows')), headers: { 'retry-after': String(retryAfter) } };
    const placed = this.#deps.placer.place(view, placing);
    this.#deps.log.info({ callSid: placed.callSid, account: account.name, to: placing.to }, 'call placed through the REST API');
    const now = Date.now();
    const queued = { sid: placed.callSid, accountSid: account.sid, to: placing.to, from: placing.from, direction: 'outbound-api', status: 'queued', createdAt: now, updatedAt: now } as const;
    return { status: 201, body: callResource(queued) };
  }

  #error(error: TwilioError): Answer {
    if (error.status >= 500) this.#deps.log.warn({ code: error.code }, error.message);
    return { status: error.status, body: error };
  }
}

export async function startRestApi(host: string, port: number, api: RestApi, log: WorkerLogger): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    api.handle(request, response).catch((error: unknown) => {
      log.error({ err: error }, 'REST API request failed');
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify(twilioError(500, 20500, 'Internal Server Error')));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
