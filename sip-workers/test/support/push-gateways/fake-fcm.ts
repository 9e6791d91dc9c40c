// A local FCM HTTP v1 API and Google OAuth token endpoint (HTTPS). The token endpoint checks the
// JWT-bearer grant as Google does (RS256 signature against the service account's public key, iss,
// aud = token_uri, scope, a lifetime of at most an hour) and issues short-lived access tokens; the
// send endpoint checks the bearer token, the project and the message, and answers with FCM's
// google.rpc errors (FcmError details) or {"name"}.
import { randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readSignedToken } from './signed-token.ts';
import type { TestCertificate } from '../tls-certificate.ts';

export interface FakeFcmOptions {
  certificate: TestCertificate;
  projectID: string;
  /** The service account Google knows: its email, key id and public key. */
  clientEmail: string;
  privateKeyID: string;
  publicKey: KeyObject;
  now?: () => number;
}

export interface TokenRequestRecord {
  status: number;
  error: string | undefined;
  claims: Record<string, unknown> | undefined;
}

export interface SendRequestRecord {
  status: number;
  errorCode: string | undefined;
  accessToken: string | undefined;
  body: unknown;
}

export interface FakeFcm {
  origin: string;
  /** What the service account's token_uri must say. */
  tokenURI: string;
  tokenRequests: TokenRequestRecord[];
  sendRequests: SendRequestRecord[];
  delivered(): SendRequestRecord[];
  unregister(registrationToken: string): void;
  /** The next `count` otherwise valid sends get this status and FcmError code. */
  failNext(count: number, status: number, errorCode: string, retryAfterSeconds?: number): void;
  /** Every access token issued so far stops working (as after a key is disabled and re-enabled). */
  revokeAccessTokens(): void;
  close(): Promise<void>;
}

const messagingScope = 'https://www.googleapis.com/auth/firebase.messaging';
const accessTokenLifetimeSeconds = 3599;
const rpcStatus: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE' };
const messageFields = new Set(['name', 'data', 'notification', 'android', 'webpush', 'apns', 'fcm_options', 'token', 'topic', 'condition']);
const androidFields = new Set(['collapse_key', 'priority', 'ttl', 'restricted_package_name', 'data', 'notification', 'fcm_options', 'direct_boot_ok']);

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function reply(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers }).end(JSON.stringify(body));
}

function fcmError(status: number, message: string, errorCode?: string): unknown {
  return {
    error: {
      code: status, message, status: rpcStatus[status] ?? 'UNKNOWN',
      ...(errorCode ? { details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }] } : {}),
    },
  };
}

/** Why the message is not one FCM would take, or undefined. */
function messageProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return 'the body is not a JSON object';
  const extra = Object.keys(body).filter((key) => key !== 'message' && key !== 'validate_only');
  if (extra.length > 0) return `Unknown name "${extra[0]}"`;
  const message = (body as { message?: Record<string, unknown> }).message;
  if (typeof message !== 'object') return 'message is required';
  const unknown = Object.keys(message).find((key) => !messageFields.has(key));
  if (unknown) return `Unknown name "${unknown}" at 'message'`;
  if (typeof message.token !== 'string' || message.token === '') return 'message.token is required';
  const data = message.data ?? {};
  if (typeof data !== 'object' || data === null || Object.values(data).some((value) => typeof value !== 'string')) return 'message.data values must be strings';
  const android = (message.android ?? {}) as Record<string, unknown>;
  const unknownAndroid = Object.keys(android).find((key) => !androidFields.has(key));
  if (unknownAndroid) return `Unknown name "${unknownAndroid}" at 'message.android'`;
  if (android.priority !== undefined && android.priority !== 'HIGH' && android.priority !== 'NORMAL') return 'Invalid value at \'message.android.priority\'';
  if (android.ttl !== undefined && (typeof android.ttl !== 'string' || !/^\d+(\.\d{1,9})?s$/.test(android.ttl))) return 'Invalid value at \'message.android.ttl\' (type.googleapis.com/google.protobuf.Duration)';
  return undefined;
}

export async function startFakeFcm(options: FakeFcmOptions): Promise<FakeFcm> {
  const now = options.now ?? Date.now;
  const tokenRequests: TokenRequestRecord[] = [];
  const sendRequests: SendRequestRecord[] = [];
  const accessTokens = new Map<string, number>();
  const unregistered = new Set<string>();
  const scripted: Array<{ status: number; errorCode: string; retryAfterSeconds: number | undefined }> = [];
  let tokenURI = '';

  function grant(form: URLSearchParams): { status: number; error?: string; description?: string; claims?: Record<string, unknown> } {
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return { status: 400, error: 'unsupported_grant_type', description: 'Invalid grant_type' };
    const token = readSignedToken(form.get('assertion') ?? '', 'RS256', options.publicKey);
    if (!token?.signatureValid || (token.header.kid !== undefined && token.header.kid !== options.privateKeyID)) return { status: 400, error: 'invalid_grant', description: 'Invalid JWT Signature.', ...(token ? { claims: token.claims } : {}) };
    const { claims } = token;
    if (claims.iss !== options.clientEmail) return { status: 400, error: 'invalid_grant', description: 'Invalid email or User ID', claims };
    if (claims.aud !== tokenURI) return { status: 400, error: 'invalid_grant', description: 'Invalid JWT: Failed audience check.', claims };
    if (typeof claims.scope !== 'string' || !claims.scope.split(' ').includes(messagingScope)) return { status: 400, error: 'invalid_scope', description: 'Invalid OAuth scope or ID token audience provided.', claims };
    const nowSeconds = now() / 1000;
    const { iat, exp } = claims;
    if (typeof iat !== 'number' || typeof exp !== 'number' || exp - iat > 3600 || exp <= nowSeconds || iat > nowSeconds + 60) {
      return { status: 400, error: 'invalid_grant', description: 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.', claims };
    }
    return { status: 200, claims };
  }

  async function token(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(request));
    const contentType = request.headers['content-type'] ?? '';
    const verdict = contentType.startsWith('application/x-www-form-urlencoded') ? grant(form) : { status: 400, error: 'invalid_request', description: 'form encoding required' };
    tokenRequests.push({ status: verdict.status, error: verdict.error, claims: verdict.claims });
    if (verdict.status !== 200) return reply(response, verdict.status, { error: verdict.error, error_description: verdict.description });
    const accessToken = `ya29.${randomBytes(24).toString('base64url')}`;
    accessTokens.set(accessToken, now() + accessTokenLifetimeSeconds * 1000);
    reply(response, 200, { access_token: accessToken, expires_in: accessTokenLifetimeSeconds, token_type: 'Bearer' });
  }

  function judgeSend(project: string, authorization: string | undefined, body: unknown, record: SendRequestRecord): { status: number; message: string; errorCode?: string; retryAfterSeconds?: number | undefined } {
    const bearer = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
    record.accessToken = bearer;
    const expiresAt = bearer === undefined ? undefined : accessTokens.get(bearer);
    if (expiresAt === undefined || expiresAt <= now()) return { status: 401, message: 'Request had invalid authentication credentials. Expected OAuth 2 access token.' };
    if (project !== options.projectID) return { status: 403, message: `Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/${project}'` };
    const problem = messageProblem(body);
    if (problem) return { status: 400, message: problem, errorCode: 'INVALID_ARGUMENT' };
    const registration = (body as { message: { token: string } }).message.token;
    if (unregistered.has(registration)) return { status: 404, message: 'Requested entity was not found.', errorCode: 'UNREGISTERED' };
    const failure = scripted.shift();
    if (failure) return { status: failure.status, message: 'scripted failure', errorCode: failure.errorCode, retryAfterSeconds: failure.retryAfterSeconds };
    return { status: 200, message: '' };
  }

  async function send(project: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const text = await readBody(request);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const record: SendRequestRecord = { status: 0, errorCode: undefined, accessToken: undefined, body };
    const verdict = judgeSend(project, request.headers.authorization, body, record);
    record.status = verdict.status;
    record.errorCode = verdict.errorCode;
    sendRequests.push(record);
    if (verdict.status === 200) return reply(response, 200, { name: `projects/${options.projectID}/messages/0:${randomBytes(8).toString('hex')}` });
    reply(response, verdict.status, fcmError(verdict.status, verdict.message, verdict.errorCode), verdict.retryAfterSeconds === undefined ? {} : { 'retry-after': String(verdict.retryAfterSeconds) });
  }

  const server: Server = createServer({ key: options.certificate.key, cert: options.certificate.cert }, (request, response) => {
    const path = request.url ?? '';
    const project = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(path)?.[1];
    const handled = request.method !== 'POST' ? reply(response, 405, fcmError(405, 'method not allowed'))
      : path === '/token' ? token(request, response)
      : project !== undefined ? send(decodeURIComponent(project), request, response)
      : reply(response, 404, fcmError(404, 'not found'));
    void Promise.resolve(handled).catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tokenURI = `${origin}/token`;
  return {
    origin,
    tokenURI,
    tokenRequests,
    sendRequests,
    delivered: () => sendRequests.filter((request) => request.status === 200),
    unregister: (registrationToken) => unregistered.add(registrationToken),
    failNext: (count, status, errorCode, retryAfterSeconds) => scripted.push(...Array.from({ length: count }, () => ({ status, errorCode, retryAfterSeconds }))),
    revokeAccessTokens: () => accessTokens.clear(),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
