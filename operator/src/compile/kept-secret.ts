// A Secret the operator creates once for a Carrier and never overwrites (applied create-only): a
// key or secret that something outside this pass already holds, so a value drawn anew would break
// it. It stays desired while it exists, so it is not pruned, and carries the stored value.
import type { DesiredObject } from './desired.ts';
import { carrierLabel, managedByLabel } from './names.ts';
import type { CarrierObject, ObservedSecret } from './observed.ts';
import { controllerReference } from './owner.ts';

export interface KeptSecret {
  object: DesiredObject;
  /** The stored value, or the one `draw` gave for the Secret this pass creates. */
  value: string;
}

export function keptCarrierSecret(carrier: CarrierObject, secretName: string, field: string, secrets: ReadonlyMap<string, ObservedSecret>, draw: () => string): KeptSecret {
  const { name, namespace } = carrier.metadata;
  const value = secrets.get(`${namespace}/${secretName}`)?.data[field] ?? draw();
  return {
    value,
    object: {
      apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
      metadata: { name: secretName, namespace, labels: { [managedByLabel]: 'switchyard', [carrierLabel]: name }, ownerReferences: [controllerReference('Carrier', carrier.metadata)] },
      data: { [field]: Buffer.from(value).toString('base64') },
    },
  };
}
