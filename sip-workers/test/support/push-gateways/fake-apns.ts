// A local APNs (HTTP/2 over TLS) that checks each request as Apple documents it: method and path,
// the provider token (ES256 JWT: alg, kid, iss, iat within the hour, signature against the team's
// public key, not replaced more often than every 20 minutes), the VoIP headers and the payload,
// and answers as Apple does: 200 with apns-id, or a status with {"reason"}. Given `clientCA`, it
// also takes certificate-based providers, as APNs does: a request without a provider token is
// authenticated by the connection's client certificate, which must chain to that CA (else 403
// BadCertificate: a Node TLS server cannot end the handshake with an alert, as APNs' would) and
// may push only to the app it names (subject UID, with the .voip and .complication services) for
// the team in its OU.
import { randomUUID, type KeyObject } from 'node:crypto';
import { createSecureServer, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { readSignedToken } from './signed-token.ts';
import type { TestCertificate } from '../tls-certificate.ts';

export interface FakeApnsOptions {
  certificate: TestCertificate;
  teamID: string;
  keyID: string;
  /** The public half of the .p8 key Apple holds for keyID. */
  publicKey: KeyObject;
  /** The one topic the key's team may push to. */
  topic: string;
  now?: () => number;
  /** The CA whose client certificates authenticate providers (Apple's, in APNs). */
  clientCA?: string;
}

export interface ApnsRequestRecord {
  method: string;
  path: string;
  deviceToken: string | undefined;
  headers: Record<string, string>;
  /** The provider token as sent (tests compare tokens; nothing logs them). */
  providerToken: string | undefined;
  tokenClaims: Record<string, unknown> | undefined;
  /** Certificate-based: the app and team of the client certificate the connection was opened with. */
  clientCertificate: { bundleID: string | undefined; teamID: string | undefined } | undefined;
  payload: unknown;
  status: number;
  reason: string | undefined;
}

export interface FakeApns {
  origin: string;
  requests: ApnsRequestRecord[];
  /** Requests answered 200. */
  delivered(): ApnsRequestRecord[];
  /** From now on this device token gets 410 Unregistered. */
  unregister(deviceToken: string): void;
  /** The next `count` otherwise valid requests get this status and reason. */
  failNext(count: number, status: number, reason: string): void;
  close(): Promise<void>;
}

const uuid = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const maxPayloadBytes = 5120;
const tokenLifetimeSeconds = 3600;
const minimumTokenReplacementMs = 20 * 60_000;

type Verdict = { status: number; reason?: string };

function headerValues(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith(':')).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value)]));
}

export async function startFakeApns(options: FakeApnsOptions): Promise<FakeApns> {
  const now = options.now ?? Date.now;
  const requests: ApnsRequestRecord[] = [];
  const unregistered = new Map<string, number>();
  const scripted: Verdict[] = [];
  let latestToken: { jwt: string; firstSeenMs: number } | undefined;

  function checkProviderToken(authorization: string | undefined, record: ApnsRequestRecord): Verdict | undefined {
    if (authorization === undefined) return { status: 403, reason: 'MissingProviderToken' };
    const match = /^bearer (\S+)$/.exec(authorization);
    if (!match?.[1]) return { status: 403, reason: 'InvalidProviderToken' };
    record.providerToken = match[1];
    const token = readSignedToken(match[1], 'ES256', options.publicKey);
    record.tokenClaims = token?.claims;
    if (!token?.signatureValid || token.header.kid !== options.keyID || token.claims.iss !== options.teamID || typeof token.claims.iat !== 'number') {
      return { status: 403, reason: 'InvalidProviderToken' };
    }
    const nowSeconds = now() / 1000;
    if (token.claims.iat > nowSeconds + 60) return { status: 403, reason: 'InvalidProviderToken' };
    if (nowSeconds - token.claims.iat > tokenLifetimeSeconds) return { status: 403, reason: 'ExpiredProviderToken' };
    if (latestToken?.jwt !== match[1]) {
      if (latestToken && now() - latestToken.firstSeenMs < minimumTokenReplacementMs) return { status: 429, reason: 'TooManyProviderTokenUpdates' };
      latestToken = { jwt: match[1], firstSeenMs: now() };
    }
    return undefined;
  }

  /** The bundle ID is the subject's UID; its topics are it and its services (Apple Push Services certificates). */
  function checkClientCertificate(socket: TLSSocket | undefined, topic: string | undefined, record: ApnsRequestRecord): Verdict | undefined {
    const peer = socket?.getPeerCertificate();
    if (!peer?.subject) return { status: 403, reason: 'MissingProviderToken' };
    if (!socket?.authorized) return { status: 403, reason: 'BadCertificate' };
    const subject = peer.subject as unknown as Record<string, string | undefined>;
    const bundleID = subject.UID;
    record.clientCertificate = { bundleID, teamID: subject.OU };
    if (bundleID === undefined || subject.OU !== options.teamID) return { status: 403, reason: 'BadCertificate' };
    if (topic !== undefined && ![bundleID, `${bundleID}.voip`, `${bundleID}.complication`].includes(topic)) return { status: 400, reason: 'TopicDisallowed' };
    return undefined;
  }

  function checkHeaders(headers: Record<string, string>): Verdict | undefined {
    const topic = headers['apns-topic'];
    if (topic === undefined) return { status: 400, reason: 'MissingTopic' };
    if (topic !== options.topic) return { status: 400, reason: 'DeviceTokenNotForTopic' };
    if (headers['apns-push-type'] !== 'voip' || !topic.endsWith('.voip')) return { status: 400, reason: 'InvalidPushType' };
    if (headers['apns-priority'] !== undefined && !['10', '5', '1'].includes(headers['apns-priority'])) return { status: 400, reason: 'BadPriority' };
    if (headers['apns-expiration'] !== undefined && !/^\d+$/.test(headers['apns-expiration'])) return { status: 400, reason: 'BadExpirationDate' };
    if (headers['apns-id'] !== undefined && !uuid.test(headers['apns-id'])) return { status: 400, reason: 'BadMessageId' };
    return undefined;
  }

  function judge(method: string, path: string, headers: Record<string, string>, body: Buffer, record: ApnsRequestRecord, socket: TLSSocket | undefined): Verdict {
    if (method !== 'POST') return { status: 405, reason: 'MethodNotAllowed' };
    const device = /^\/3\/device\/([^/]*)$/.exec(path);
    if (!device) return { status: 404, reason: 'BadPath' };
    if (!device[1]) return { status: 400, reason: 'MissingDeviceToken' };
    record.deviceToken = device[1];
    const authenticated = options.clientCA !== undefined && headers.authorization === undefined
      ? checkClientCertificate(socket, headers['apns-topic'], record)
      : checkProviderToken(headers.authorization, record);
    const refused = authenticated ?? checkHeaders(headers);
    if (refused) return refused;
    if (!/^[0-9a-f]{64}$/i.test(device[1])) return { status: 400, reason: 'BadDeviceToken' };
    if (body.length === 0) return { status: 400, reason: 'PayloadEmpty' };
    if (body.length > maxPayloadBytes) return { status: 413, reason: 'PayloadTooLarge' };
    try {
      record.payload = JSON.parse(body.toString('utf8'));
    } catch {
      return { status: 400, reason: 'BadPayload' };
    }
    if (unregistered.has(device[1].toLowerCase())) return { status: 410, reason: 'Unregistered' };
    return scripted.shift() ?? { status: 200 };
  }

  function answer(stream: ServerHttp2Stream, rawHeaders: IncomingHttpHeaders, body: Buffer): void {
    const method = String(rawHeaders[':method']);
    const path = String(rawHeaders[':path']);
    const headers = headerValues(rawHeaders);
    const record: ApnsRequestRecord = { method, path, deviceToken: undefined, headers, providerToken: undefined, tokenClaims: undefined, clientCertificate: undefined, payload: undefined, status: 0, reason: undefined };
    const verdict = judge(method, path, headers, body, record, stream.session?.socket as TLSSocket | undefined);
    record.status = verdict.status;
    record.reason = verdict.reason;
    requests.push(record);
    const apnsId = headers['apns-id'] ?? randomUUID();
    if (verdict.status === 200) {
      stream.respond({ ':status': 200, 'apns-id': apnsId });
      stream.end();
      return;
    }
    const reply = verdict.status === 410 ? { reason: verdict.reason, timestamp: unregistered.get(record.deviceToken?.toLowerCase() ?? '') } : { reason: verdict.reason };
    stream.respond({ ':status': verdict.status, 'apns-id': apnsId, 'content-type': 'application/json' });
    stream.end(JSON.stringify(reply));
  }

  const sessions = new Set<Http2Session>();
  const server = createSecureServer({
    key: options.certificate.key,
    cert: options.certificate.cert,
    ...(options.clientCA === undefined ? {} : { ca: [options.clientCA], requestCert: true, rejectUnauthorized: false }),
  });
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => answer(stream, headers, Buffer.concat(chunks)));
    stream.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    delivered: () => requests.filter((request) => request.status === 200),
    unregister: (deviceToken) => unregistered.set(deviceToken.toLowerCase(), now()),
    failNext: (count, status, reason) => scripted.push(...Array.from({ length: count }, () => ({ status, reason }))),
    close: async () => {
      for (const session of sessions) session.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
