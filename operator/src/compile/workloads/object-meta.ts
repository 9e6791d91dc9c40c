// Metadata every owned object carries, and the shape an object must have to be applied as-is.
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { DesiredObject } from '../desired.ts';
import { inheritedLabels, labelsFor, type Component } from '../names.ts';
import { controllerReference } from '../owner.ts';
import type { WorkloadInputs } from './inputs.ts';

export type Metadata = DesiredObject['metadata'] & V1ObjectMeta;

/**
 * A Kubernetes object with everything server-side apply needs spelled out. A type alias, not an
 * interface, so that it is assignable to DesiredObject's index signature.
 */
export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
};

export function desired<T extends Manifest>(object: T): DesiredObject {
  return object;
}

/**
 * Name, namespace, labels (the Carrier's own labels minus GitOps tracking ones) and the controller
 * owner reference. Annotations appear only when there are some.
 */
export function objectMeta(inputs: WorkloadInputs, name: string, component: Component, annotations?: Record<string, string>): Metadata {
  const { metadata } = inputs.carrier;
  return {
    name,
    namespace: metadata.namespace,
    labels: labelsFor(metadata.name, component, inheritedLabels(metadata.labels)),
    ...(annotations && Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}),
    ownerReferences: [controllerReference('Carrier', metadata)],
  };
}

/**
 * Pod template labels: only the operator's fixed labels, not the Carrier's inherited ones, so that
 * relabelling a Carrier (team, cost centre) never restarts pods that carry calls.
 */
export function podLabels(inputs: WorkloadInputs, component: Component): Record<string, string> {
  return labelsFor(inputs.carrier.metadata.name, component);
}
