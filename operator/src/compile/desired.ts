import type { KubernetesObject } from '@kubernetes/client-node';

/**
 * A field of a desired object that another controller owns once the object exists: a Deployment's
 * replicas under a HorizontalPodAutoscaler. The object is applied without it; `initial` is the
 * value it is created with. A symbol key, so it is never part of the applied body or its hash.
 */
export const handedOverField = Symbol('handedOverField');

export interface FieldHandover {
  path: readonly string[];
  initial: number;
}

/** An object the operator wants to exist, exactly as it will be server-side applied. */
export interface DesiredObject extends KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: NonNullable<KubernetesObject['metadata']> & { name: string; namespace: string };
  [handedOverField]?: FieldHandover;
  [field: string]: unknown;
}
