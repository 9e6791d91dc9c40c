// APNs over one HTTP/2 connection per origin, as Apple asks providers to keep (reopened after a
// GOAWAY or an error). One request is one push: POST /3/device/<token> with the VoIP headers and
// either the shared provider token or, with certificate-based authentication, nothing: the TLS
// client certificate the connection was opened with is the credential.
import { connect, constants, type ClientHttp2Session } from 'node:http2';
import type { GatewayAttempt } from '../gateway-outcome.ts';
import { apnsOutcome, certificateRefusal } from './apns-outcome.ts';
import type { ApnsProviderToken } from './provider-token.ts';

export const apnsOrigins = { production: 'https://api.push.apple.com', development: 'https://api.sandbox.push.apple.com' } as const;

/** The APNs certificate and its key, PEM. */
export interface ApnsCertificate {
  cert: string;
  key: string;
}

/** How the provider proves itself: a signed token on each request, or a certificate on the connection. */
export type ApnsAuthentication = { token: ApnsProviderToken; certificate?: undefined } | { certificate: ApnsCertificate; token?: undefined };

export type ApnsClientSettings = ApnsAuthentication & {
  origin: string;
  /** The app's VoIP topic (bundle ID + `.voip`). */
  topic: string;
  ca?: string[] | undefined;
  requestTimeoutMs: number;
  /** Each HTTP answer from APNs (undefined: none came), for metrics. */
  onResponse?: (status: number | undefined) => void;
};

export interface ApnsNotification {
  deviceToken: string;
  /** Our id for the push (a UUID); Apple echoes it in apns-id. */
  apnsId: string;
  /** Unix seconds after which Apple stops trying: a late wake-up is a call already given up. */
  expiresAtSeconds: number;
  payload: Record<string, unknown>;
}

export class ApnsClient {
  readonly #settings: ApnsClientSettings;
  #session: ClientHttp2Session | undefined;

  constructor(settings: ApnsClientSettings) {
    this.#settings = settings;
  }

  async send(notification: ApnsNotification): Promise<GatewayAttempt> {
    const { token } = this.#settings;
    const jwt = token?.current();
    const attempt = await this.#post(notification, jwt);
    this.#settings.onResponse?.(attempt.status);
    if (jwt !== undefined && attempt.outcome.kind === 'bad-credentials' && attempt.outcome.reason === 'ExpiredProviderToken') token?.expired(jwt);
    return attempt;
  }

  async close(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    // A session a failure destroyed never calls close()'s callback.
    if (!session || session.closed || session.destroyed) return;
    await new Promise<void>((resolve) => session.close(() => resolve()));
  }

  #connection(): ClientHttp2Session {
    if (this.#session && !this.#session.closed && !this.#session.destroyed) return this.#session;
    const { ca, certificate } = this.#settings;
    const session = connect(this.#settings.origin, { ...(ca ? { ca } : {}), ...(certificate ? { cert: certificate.cert, key: certificate.key } : {}) });
    const forget = () => {
      if (this.#session === session) this.#session = undefined;
    };
    // Failures reach each request as a stream error; the session only needs to be replaced.
    session.on('error', forget);
    session.on('goaway', forget);
    session.on('close', forget);
    this.#session = session;
    return session;
  }

  #post(notification: ApnsNotification, jwt: string | undefined): Promise<GatewayAttempt> {
    return new Promise((resolve) => {
      const stream = this.#connection().request({
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: `/3/device/${notification.deviceToken}`,
        ...(jwt === undefined ? {} : { authorization: `bearer ${jwt}` }),
        'apns-topic': this.#settings.topic,
        'apns-push-type': 'voip',
        'apns-priority': '10',
        'apns-expiration': String(notification.expiresAtSeconds),
        'apns-id': notification.apnsId,
        'content-type': 'application/json',
      });
      let status: number | undefined;
      let apnsId: string | undefined;
      const chunks: Buffer[] = [];
      stream.setTimeout(this.#settings.requestTimeoutMs, () => {
        stream.close(constants.NGHTTP2_CANCEL);
        resolve({ outcome: { kind: 'retry', reason: 'Timeout' }, status: undefined });
      });
      stream.on('response', (headers) => {
        status = Number(headers[constants.HTTP2_HEADER_STATUS]);
        const id = headers['apns-id'];
        apnsId = typeof id === 'string' ? id : undefined;
      });
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (status === undefined) resolve({ outcome: { kind: 'retry', reason: 'ConnectionFailed', detail: 'stream ended without a response' }, status });
        else resolve({ outcome: apnsOutcome(status, apnsId, Buffer.concat(chunks).toString('utf8')), status });
      });
      stream.on('error', (error: Error) => {
        // The alert is the stream's error, or its cause when the session's failure cancelled it.
        const refused = this.#settings.certificate ? certificateRefusal(error) : undefined;
        resolve({ outcome: refused ?? { kind: 'retry', reason: 'ConnectionFailed', detail: error.message }, status: undefined });
      });
      stream.end(JSON.stringify(notification.payload));
    });
  }
}
