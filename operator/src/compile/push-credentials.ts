// The Carrier's PushCredentialsValid condition: whether the credential Secrets exist and whether
// Apple and Google take the keys in them, as the push service pods last reported (their Leases).
// A rejected key otherwise shows only as calls to sleeping phones ending in 480.
import { createHash } from 'node:crypto';
import type { ProviderCredentials, PushProvider } from '../../../api/reports/lease-annotations.ts';
import { checkApnsCertificate } from './apns-certificate.ts';
import type { ConditionInput } from './conditions.ts';
import type { CarrierObject, ObservedSecret, PushServiceReport } from './observed.ts';

const providerNames: Record<PushProvider, string> = { apns: 'APNs', fcm: 'FCM' };

interface CredentialRef {
  provider: PushProvider;
  field: string;
  name: string;
  key: string;
}

const apnsCertificateField = 'spec.push.apns.certificateSecretRef';

function credentialRefs(carrier: CarrierObject): CredentialRef[] {
  const push = carrier.spec.push;
  const apns = push?.apns;
  const apnsRefs: CredentialRef[] = [];
  if (apns?.privateKeySecretRef) apnsRefs.push({ provider: 'apns', field: 'spec.push.apns.privateKeySecretRef', ...apns.privateKeySecretRef });
  if (apns?.certificateSecretRef) {
    for (const key of ['tls.crt', 'tls.key']) apnsRefs.push({ provider: 'apns', field: apnsCertificateField, name: apns.certificateSecretRef.name, key });
  }
  return [
    ...apnsRefs,
    ...(push?.fcm ? [{ provider: 'fcm' as const, field: 'spec.push.fcm.serviceAccountSecretRef', ...push.fcm.serviceAccountSecretRef }] : []),
  ];
}

const problem = (state: ProviderCredentials['state']) => state === 'rejected' || state === 'unreadable';

export interface PushCredentials {
  condition: ConditionInput;
  /**
   * A digest of the keys the push service mounts, for its pod template: a rotated key rolls the
   * pods, which read their keys once at start. Absent while a key is missing (the pods could not
   * start anyway).
   */
  checksum?: string;
  /** When the APNs certificate (certificate-based authentication) expires, once it passed the checks. */
  apnsCertificateExpiry?: Date;
}

/** Undefined when the Carrier has no push: the condition is then absent and there is no checksum. */
export function pushCredentials(carrier: CarrierObject, secrets: ReadonlyMap<string, ObservedSecret>, reports: PushServiceReport[], now: Date): PushCredentials | undefined {
  const refs = credentialRefs(carrier);
  if (refs.length === 0) return undefined;
  const { namespace } = carrier.metadata;
  const hash = createHash('sha256');
  /** Each referenced Secret entry by `name/key`: an FCM key may be called tls.crt too. */
  const values = new Map<string, string>();
  for (const ref of refs) {
    const secret = secrets.get(`${namespace}/${ref.name}`);
    if (!secret) return { condition: { type: 'PushCredentialsValid', status: 'False', reason: 'SecretNotFound', message: `Secret ${ref.name} (${ref.field}) does not exist, so the push service pods cannot start.` } };
    const value = secret.data[ref.key];
    if (value === undefined) return { condition: { type: 'PushCredentialsValid', status: 'False', reason: 'SecretKeyNotFound', message: `Secret ${ref.name} has no key ${ref.key} (${ref.field}), so the push service pods cannot start.` } };
    hash.update(`${ref.provider}\0${value}\0`);
    values.set(`${ref.name}/${ref.key}`, value);
  }
  const checksum = hash.digest('hex').slice(0, 16);
  const apns = carrier.spec.push?.apns;
  if (!apns?.certificateSecretRef) return { condition: gatewaysVerdict(refs, reports), checksum };
  const { name } = apns.certificateSecretRef;
  const judged = checkApnsCertificate(apns, values.get(`${name}/tls.crt`) ?? '', values.get(`${name}/tls.key`) ?? '', now, name);
  if ('reason' in judged) {
    return { condition: { type: 'PushCredentialsValid', status: 'False', reason: judged.reason, message: `${judged.message} Calls to iOS phones that need a push end in 480 until the Secret holds a working certificate.` }, checksum };
  }
  const verdict = gatewaysVerdict(refs, reports);
  return { condition: { ...verdict, message: `${verdict.message} The APNs certificate is valid until ${judged.validTo.toISOString()}.` }, checksum, apnsCertificateExpiry: judged.validTo };
}

/** What the live push service pods last heard from the gateways about the keys. */
function gatewaysVerdict(refs: CredentialRef[], reports: PushServiceReport[]): ConditionInput {
  const providers = [...new Set(refs.map((ref) => ref.provider))];
  const live = reports.filter((report) => report.live);
  const refused: string[] = [];
  const unverified: string[] = [];
  let onlyUnreadable = true;
  for (const provider of providers) {
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
  const all = providers.map((provider) => providerNames[provider]).join(' and ');
  if (unverified.length > 0) {
    return { type: 'PushCredentialsValid', status: 'Unknown', reason: 'NotYetVerified', message: `${unverified.join(' and ')} has not been used yet: the gateway checks the key with the first push (Google's with the first token request).` };
  }
  return { type: 'PushCredentialsValid', status: 'True', reason: 'CredentialsAccepted', message: `${all} accepted the credentials.` };
}
