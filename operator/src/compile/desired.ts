import type { KubernetesObject } from '@kubernetes/client-node';

/** An object the operator wants to exist, exactly as it will be server-side applied. */
export interface DesiredObject extends KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: NonNullable<KubernetesObject['metadata']> & { name: string; namespace: string };
  [field: string]: unknown;
}
