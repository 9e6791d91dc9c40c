// A digest credential's HA1 pair, from its password or from the hashes a user computed themselves
// (Bandwidth's Hash1 and Hash1b, so the password never reaches the cluster), read from the Secrets
// the compile observes. Only hashes leave this step.
import type { DigestCredential } from '../../../api/routing/schema.ts';
import type { Finding } from './conditions.ts';
import { digestCredential } from './credentials.ts';
import type { ObservedSecret } from './observed.ts';
import { secretKeyMissing, type Index } from './policies.ts';

export interface CredentialSource {
  passwordSecretRef?: { name: string; key: string } | undefined;
  hashesSecretRef?: { name: string } | undefined;
}

const hashKeys = ['hash1', 'hash1b'] as const;
const md5Hex = /^[0-9a-f]{32}$/;
const hashOf = (secret: ObservedSecret | undefined, key: string) => secret?.data[key]?.trim().toLowerCase() ?? '';

/** Why the credential cannot be used (its Secret or a key missing, a hash that is not an MD5 hash), or undefined. */
export function credentialUnresolved(index: Index, namespace: string, source: CredentialSource, purpose: string): Finding | undefined {
  if (source.passwordSecretRef) return secretKeyMissing(index, namespace, source.passwordSecretRef, `password of ${purpose}`);
  const ref = source.hashesSecretRef;
  if (!ref) return { reason: 'NoCredential', message: `${purpose} has neither passwordSecretRef nor hashesSecretRef.` };
  for (const key of hashKeys) {
    const missing = secretKeyMissing(index, namespace, { name: ref.name, key }, `${key} of ${purpose}`);
    if (missing) return missing;
    if (!md5Hex.test(hashOf(index.secrets.get(`${namespace}/${ref.name}`), key))) {
      return { reason: 'InvalidHash', message: `Secret ${namespace}/${ref.name} key "${key}" (${purpose}) is not an MD5 hash: 32 hex digits expected.` };
    }
  }
  return undefined;
}

/** The credential as routing state holds it, once credentialUnresolved has found nothing wrong. */
export function resolvedCredential(secrets: ReadonlyMap<string, ObservedSecret>, namespace: string, source: CredentialSource, username: string, realm: string): DigestCredential {
  if (source.hashesSecretRef) {
    const secret = secrets.get(`${namespace}/${source.hashesSecretRef.name}`);
    return { username, realm, ha1: hashOf(secret, 'hash1'), ha1b: hashOf(secret, 'hash1b') };
  }
  const ref = source.passwordSecretRef;
  return digestCredential(username, realm, ref ? secrets.get(`${namespace}/${ref.name}`)?.data[ref.key] ?? '' : '');
}
