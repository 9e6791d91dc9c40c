import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import { apiVersion } from '../../../api/v1alpha1/meta.ts';

/** The owner an object is garbage-collected with: deleting the Carrier deletes what it owns. */
export function controllerReference(kind: string, owner: Pick<V1ObjectMeta, 'name' | 'uid'>): V1OwnerReference {
  if (!owner.name || !owner.uid) throw new Error(`${kind} without name or uid cannot own objects`);
  return { apiVersion, kind, name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: true };
}
