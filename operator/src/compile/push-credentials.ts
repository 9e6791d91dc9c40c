// The Carrier's PushCredentialsValid condition: whether the credential Secrets exist and whether
// Apple and Google take the keys in them, as the push service pods last reported (their Leases).
// A rejected key otherwise shows only as calls to sleeping phones ending in 480.
import { createHash } from 'node:crypto';
import type { ProviderCredentials, PushProvider } from '../../../api/reports/lease-annotations.ts';
import type { ConditionInput } from './conditions.ts';
import type { CarrierObject, ObservedSecret, PushServiceReport } from './observed.ts';

const providerNames: Record<PushProvider, string> = { apns: 'APNs', fcm: 'FCM' };

interface CredentialRef {
  provider: PushProvider;
  field: string;
  name: string;
  key: string;
}

function credentialRefs(carrier: CarrierObject): CredentialRef[] {
  const push = carrier.spec.push;
  return [
    ...(push?.apns ? [{ provider: 'apns' as const, field: 'spec.push.apns.privateKeySecretRef', ...push.apns.privateKeySecretRef }] : []),
    ...(push?.fcm ? [{ provider: 'fcm' as const, field: 'spec.push.fcm.serviceAccountSecretRef', ...push.fcm.serviceAccountSecretRef }] : []),
  ];
}

/**
 * A digest of the keys the push service mounts, for its pod template: a rotated key rolls the
 * pods, which read their keys once at start. Undefined while a key is missing (the pods could not
 * start anyway) or push is off.
 */
export function pushCredentialsChecksum(carrier: CarrierObject, secrets: ReadonlyMap<string, ObservedSecret>): string | undefined {
  const refs = credentialRefs(carrier);
  if (refs.length === 0) return undefined;
  const hash = createHash('sha256');
  for (const ref of refs) {
    const value = secrets.get(`${carrier.metadata.namespace}/${ref.name}`)?.data[ref.key];
    if (value === undefined) return undefined;
    hash.update(`${ref.provider}\0${value}\0`);
  }
  return hash.digest('hex').slice(0, 16);
}

const problem = (state: ProviderCredentials['state']) => state === 'rejected' || state === 'unreadable';

/** Undefined when the Carrier has no push: the condition is then absent. */
export function pushCredentialsCondition(carrier: CarrierObject, secrets: ReadonlyMap<string, ObservedSecret>, reports: PushServiceReport[]): ConditionInput | undefined {
  const refs = credentialRefs(carrier);
  if (refs.length === 0) return undefined;
  const { namespace } = carrier.metadata;
  for (const ref of refs) {
    const secret = secrets.get(`${namespace}/${ref.name}`);
    if (!secret) return { type: 'PushCredentialsValid', status: 'False', reason: 'SecretNotFound', message: `Secret ${ref.name} (${ref.field}) does not exist, so the push service pods cannot start.` };
    if (secret.data[ref.key] === undefined) return { type: 'PushCredentialsValid', status: 'False', reason: 'SecretKeyNotFound', message: `Secret ${ref.name} has no key ${ref.key} (${ref.field}), so the push service pods cannot start.` };
  }

  const live = reports.filter((report) => report.live);
  const refused: string[] = [];
  const unverified: string[] = [];
  let onlyUnreadable = true;
  for (const { provider } of refs) {
    const seen = live.flatMap((report) => {
      const credentials = report.credentials?.[provider];
      return credentials ? [{ pod: report.pod, ...credentials }] : [];
    });
    const bad = seen.filter((credentials) => problem(credentials.state)).sort((a, b) => (a.pod < b.pod ? -1 : 1));
    const first = bad[0];
    if (first) {
      if (first.state !== 'unreadable') onlyUnreadable = false;
      const verb = first.state === 'unreadable' ? 'cannot use the key' : 'rejected the credentials';
      const pods = bad.length === 1 ? `pod ${first.pod}` : `${bad.length} pods, e.g. ${first.pod}`;
      refused.push(`${providerNames[provider]} ${verb}: ${first.reason ?? 'no reason given'}${first.message ? ` (${first.message})` : ''}, reported by ${pods}`);
    } else if (!seen.some((credentials) => credentials.state === 'valid')) {
      unverified.push(providerNames[provider]);
    }
  }
  if (refused.length > 0) {
    return { type: 'PushCredentialsValid', status: 'False', reason: onlyUnreadable ? 'KeyUnreadable' : 'CredentialsRejected', message: `${refused.join('; ')}. Calls to phones that need a push end in 480 until the Secret holds a working key.` };
  }
  if (live.length === 0) return { type: 'PushCredentialsValid', status: 'Unknown', reason: 'NoPushService', message: 'No push service pod is running to report on the credentials yet.' };
  const all = refs.map(({ provider }) => providerNames[provider]).join(' and ');
  if (unverified.length > 0) {
    return { type: 'PushCredentialsValid', status: 'Unknown', reason: 'NotYetVerified', message: `${unverified.join(' and ')} has not been used yet: the gateway checks the key with the first push (Google's with the first token request).` };
  }
  return { type: 'PushCredentialsValid', status: 'True', reason: 'CredentialsAccepted', message: `${all} accepted the credentials.` };
}
