// An OAuth 2.0 access token for FCM from the service account (RFC 7523 JWT bearer grant): an RS256
// assertion {iss: client_email, scope, aud: token_uri, iat, exp: iat + 1 h} exchanged at token_uri.
// The token is kept until shortly before it expires; concurrent pushes wait on one exchange.
import type { Agent } from 'node:https';
import type { GatewayOutcome } from '../gateway-outcome.ts';
import { signJwt } from '../json-web-token.ts';
import { httpsPost, jsonObject, retryAfterMs } from './https-post.ts';
import type { ServiceAccount } from './service-account.ts';

export const firebaseMessagingScope = 'https://www.googleapis.com/auth/firebase.messaging';
const assertionLifetimeSeconds = 3600;
/** A token this close to its expiry is replaced before use, so none expires in flight. */
const refreshMarginMs = 5 * 60_000;

const oauthErrors = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client', 'invalid_scope', 'access_denied', 'invalid_request']);

export interface AccessTokenSettings {
  account: ServiceAccount;
  agent: Agent;
  requestTimeoutMs: number;
  now: () => number;
  onMint?: () => void;
}

export type AccessTokenResult = { token: string } | { failed: GatewayOutcome };

export class GoogleAccessToken {
  readonly #settings: AccessTokenSettings;
  #cached: { token: string; expiresAtMs: number } | undefined;
  #pending: Promise<AccessTokenResult> | undefined;

  constructor(settings: AccessTokenSettings) {
    this.#settings = settings;
  }

  get(): Promise<AccessTokenResult> {
    const cached = this.#cached;
    if (cached && this.#settings.now() < cached.expiresAtMs - refreshMarginMs) return Promise.resolve({ token: cached.token });
    this.#pending ??= this.#exchange().finally(() => (this.#pending = undefined));
    return this.#pending;
  }

  /** FCM answered 401 with `token`: exchange again next time rather than waiting for expiry. */
  invalidate(token: string): void {
    if (this.#cached?.token === token) this.#cached = undefined;
  }

  async #exchange(): Promise<AccessTokenResult> {
    const { account, agent, requestTimeoutMs, now } = this.#settings;
    const startedAt = now();
    const iat = Math.floor(startedAt / 1000);
    const assertion = signJwt('RS256', { typ: 'JWT', ...(account.keyID ? { kid: account.keyID } : {}) }, {
      iss: account.clientEmail, scope: firebaseMessagingScope, aud: account.tokenURI, iat, exp: iat + assertionLifetimeSeconds,
    }, account.key);
    const form = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString();
    let response;
    try {
      response = await httpsPost(new URL(account.tokenURI), form, { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, agent, requestTimeoutMs);
    } catch (error) {
      return { failed: { kind: 'retry', reason: 'TokenEndpointUnreachable', detail: (error as Error).message } };
    }
    const body = jsonObject(response.body);
    if (response.status === 200 && typeof body.access_token === 'string' && typeof body.expires_in === 'number') {
      this.#cached = { token: body.access_token, expiresAtMs: startedAt + body.expires_in * 1000 };
      this.#settings.onMint?.();
      return { token: body.access_token };
    }
    if (response.status === 429 || response.status >= 500) {
      const after = retryAfterMs(response.headers);
      return { failed: { kind: 'retry', reason: `TokenEndpoint${response.status}`, ...(after === undefined ? {} : { retryAfterMs: after }) } };
    }
    const error = typeof body.error === 'string' && oauthErrors.has(body.error) ? body.error : 'TokenRequestRefused';
    const description = typeof body.error_description === 'string' ? `: ${body.error_description}` : '';
    return { failed: { kind: 'bad-credentials', reason: error, message: `Google refused the service account's token request (HTTP ${response.status} ${error}${description})` } };
  }
}
