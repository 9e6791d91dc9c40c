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
