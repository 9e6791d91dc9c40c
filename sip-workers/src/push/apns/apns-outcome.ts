// APNs answers (status + JSON `reason`) as push outcomes. Reasons are Apple's documented strings;
// anything else is reported as `Unknown` so a metric label never takes an arbitrary value.
import type { GatewayOutcome } from '../gateway-outcome.ts';

const knownReasons = new Set([
  'BadCollapseId', 'BadDeviceToken', 'BadExpirationDate', 'BadMessageId', 'BadPriority', 'BadTopic',
  'DeviceTokenNotForTopic', 'DuplicateHeaders', 'IdleTimeout', 'InvalidPushType', 'MissingDeviceToken',
  'MissingTopic', 'PayloadEmpty', 'TopicDisallowed', 'BadCertificate', 'BadCertificateEnvironment',
  'ExpiredProviderToken', 'Forbidden', 'InvalidProviderToken', 'MissingProviderToken', 'UnrelatedKeyIdInToken',
  'BadEnvironmentKeyInToken', 'BadPath', 'MethodNotAllowed', 'ExpiredToken', 'Unregistered', 'PayloadTooLarge',
  'TooManyProviderTokenUpdates', 'TooManyRequests', 'InternalServerError', 'ServiceUnavailable', 'Shutdown',
]);

const credentialMessages: Record<string, string> = {
  InvalidProviderToken: 'APNs refused the provider token: check teamID, keyID and that the .p8 key is the one Apple issued for that key ID',
  ExpiredProviderToken: 'APNs says the provider token is more than an hour old: check this node\'s clock (NTP)',
  MissingProviderToken: 'APNs received no provider token',
  UnrelatedKeyIdInToken: 'APNs: the key ID does not belong to the team ID',
  BadEnvironmentKeyInToken: 'APNs: the key is not enabled for this environment (production or development)',
  Forbidden: 'APNs refused the request (Forbidden): the key may have been revoked',
  BadCertificate: 'APNs refused the credentials (BadCertificate)',
  TopicDisallowed: 'APNs refuses pushes to this topic with these credentials: the certificate or key is another app\'s or team\'s',
  BadCertificateEnvironment: 'APNs: the credentials are for the other environment (production or development)',
};

function reasonOf(body: string): string {
  try {
    const reason = (JSON.parse(body) as { reason?: unknown }).reason;
    return typeof reason === 'string' && knownReasons.has(reason) ? reason : 'Unknown';
  } catch {
    return 'Unknown';
  }
}

export function apnsOutcome(status: number, apnsId: string | undefined, body: string): GatewayOutcome {
  if (status === 200) return { kind: 'sent', id: apnsId ?? '' };
  const reason = reasonOf(body);
  if (status === 410 || reason === 'BadDeviceToken') return { kind: 'unregistered', reason };
  if (status === 403 || reason in credentialMessages) {
    return { kind: 'bad-credentials', reason, message: credentialMessages[reason] ?? `APNs answered 403 ${reason}` };
  }
  if (status === 429 || status >= 500) return { kind: 'retry', reason: reason === 'Unknown' ? `HTTP ${status}` : reason };
  return { kind: 'rejected', reason };
}

/**
 * TLS alerts by which a server refuses the client certificate: unknown issuer, expired, revoked,
 * bad or missing. APNs ends the handshake this way for a certificate it does not take.
 */
const certificateAlert = /ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|UNSUPPORTED_CERTIFICATE|CERTIFICATE_[A-Z_]+|ACCESS_DENIED)/;

/**
 * The error's code, and its cause's: over TLS 1.3 the alert is the stream's error itself; over
 * TLS 1.2 the stream is cancelled (ERR_HTTP2_STREAM_CANCEL) with the session's alert as cause.
 */
function errorText(error: Error): string {
  const codes: string[] = [];
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 3; current = current.cause, depth++) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
  }
  return codes.join(' ');
}

/** The outcome of a connection APNs closed over our certificate; undefined for any other failure. */
export function certificateRefusal(error: Error | undefined): GatewayOutcome | undefined {
  if (error === undefined) return undefined;
  const alert = certificateAlert.exec(errorText(error));
  if (!alert) return undefined;
  return { kind: 'bad-credentials', reason: 'BadCertificate', message: `APNs refused the TLS client certificate during the handshake (${alert[0]}): check that the Secret holds the Apple-issued APNs certificate for this app, unexpired and not revoked, and its key` };
}
