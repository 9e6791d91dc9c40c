// FCM's HTTP v1 API: POST /v1/projects/<project>/messages:send with a data message at high
// priority (a notification message would be shown by the system instead of waking the app) and
// a TTL, so a phone reached late is not woken for a call already given up.
import type { Agent } from 'node:https';
import type { GatewayAttempt } from '../gateway-outcome.ts';
import type { GoogleAccessToken } from './access-token.ts';
import { fcmOutcome } from './fcm-outcome.ts';
import { httpsPost } from './https-post.ts';

export const fcmOrigin = 'https://fcm.googleapis.com';

export interface FcmClientSettings {
  origin: string;
  projectID: string;
  accessToken: GoogleAccessToken;
  agent: Agent;
  requestTimeoutMs: number;
  /** Each HTTP answer from FCM (undefined: none came), for metrics. */
  onResponse?: (status: number | undefined) => void;
}

export interface FcmMessage {
  /** The registration token (RFC 8599 pn-prid). */
  token: string;
  /** FCM data values must be strings. */
  data: Record<string, string>;
  ttlSeconds: number;
}

export class FcmClient {
  readonly #settings: FcmClientSettings;
  readonly #url: URL;

  constructor(settings: FcmClientSettings) {
    this.#settings = settings;
    this.#url = new URL(`/v1/projects/${encodeURIComponent(settings.projectID)}/messages:send`, settings.origin);
  }

  async send(message: FcmMessage): Promise<GatewayAttempt> {
    const first = await this.#sendOnce(message);
    if (first.outcome.kind !== 'bad-credentials' || first.status !== 401 || first.token === undefined) return first;
    // A 401 with a token we still thought valid (revoked, or the clocks disagree): exchange once more.
    this.#settings.accessToken.invalidate(first.token);
    return this.#sendOnce(message);
  }

  async #sendOnce(message: FcmMessage): Promise<GatewayAttempt & { token?: string }> {
    const access = await this.#settings.accessToken.get();
    if ('failed' in access) return { outcome: access.failed, status: undefined };
    const body = JSON.stringify({
      message: { token: message.token, data: message.data, android: { priority: 'HIGH', ttl: `${message.ttlSeconds}s` } },
    });
    try {
      const response = await httpsPost(this.#url, body, { authorization: `Bearer ${access.token}`, 'content-type': 'application/json; charset=utf-8' }, this.#settings.agent, this.#settings.requestTimeoutMs);
      this.#settings.onResponse?.(response.status);
      return { outcome: fcmOutcome(response), status: response.status, token: access.token };
    } catch (error) {
      this.#settings.onResponse?.(undefined);
      return { outcome: { kind: 'retry', reason: 'ConnectionFailed', detail: (error as Error).message }, status: undefined };
    }
  }
}
