// The key a carrier's SIP worker replicas share to sign RFC 5626 flow tokens: with it, a call on
// one replica reaches a phone whose flow another replica holds (its TCP or TLS connection, or its
// UDP address behind NAT), through that replica. Generated once, like an account's auth token,
// and never again: a new key would make the tokens of calls in progress unreadable. Only a
// carrier with a registrar has such phones.
import type { DesiredObject } from './desired.ts';
import { carrierLabel, managedByLabel, names } from './names.ts';
import type { CarrierObject, ObservedSecret } from './observed.ts';
import { controllerReference } from './owner.ts';

export const flowTokenKeyField = 'flowTokenKey';

/**
 * The Secret of `carrier`'s key, or undefined when it needs none. It stays desired while it exists
 * (so it is not pruned), but as a create-only object it is only ever created: when it exists, it
 * carries the stored key, and no new one is drawn.
 */
export function sipWorkerKeySecret(carrier: CarrierObject, secrets: ReadonlyMap<string, ObservedSecret>, randomBytes: (size: number) => Uint8Array): DesiredObject | undefined {
  if (!carrier.spec.registrar) return undefined;
  const { name, namespace } = carrier.metadata;
  const secretName = names.sipWorkerKey(name);
  // Hex: the worker reads it from an environment variable, which cannot hold arbitrary bytes.
  const key = secrets.get(`${namespace}/${secretName}`)?.data[flowTokenKeyField] ?? Buffer.from(randomBytes(32)).toString('hex');
  return {
    apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
    metadata: { name: secretName, namespace, labels: { [managedByLabel]: 'switchyard', [carrierLabel]: name }, ownerReferences: [controllerReference('Carrier', carrier.metadata)] },
    data: { [flowTokenKeyField]: Buffer.from(key).toString('base64') },
  };
}
