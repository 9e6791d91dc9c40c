import type { KindDefinition } from '../v1alpha1/meta.ts';
import { categories, group, version } from '../v1alpha1/meta.ts';
import { toStructuralSchema, type JSONSchema } from './json-schema.ts';

export const crdName = (kind: KindDefinition) => `${kind.plural}.${group}`;

/** The openAPIV3Schema of one kind: the zod spec and status under the usual envelope. */
export function objectSchema(kind: KindDefinition): JSONSchema {
  return {
    type: 'object',
    description: kind.description,
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object: telecom.switchyard.dev/v1alpha1.' },
      kind: { type: 'string', description: `Kind is the REST resource this object represents: ${kind.kind}.` },
      metadata: { type: 'object' },
      spec: toStructuralSchema(kind.spec),
      // Only the operator writes a status, always whole: atomic, its server-side apply records one
      // field (f:status) in managedFields instead of ~30 (each condition's every field). The API
      // server keeps every object's managedFields decoded as nested maps in its watch cache and
      // decodes them again for every watch event: at 100,000 PhoneNumbers they were a quarter of
      // its heap (heap profile), and its garbage collector's cycles slow it down.
      status: { ...toStructuralSchema(kind.status), 'x-kubernetes-map-type': 'atomic' },
    },
  };
}

export function customResourceDefinition(kind: KindDefinition) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: crdName(kind),
      labels: { 'app.kubernetes.io/part-of': 'switchyard' },
    },
    spec: {
      group,
      scope: 'Namespaced',
      names: {
        kind: kind.kind,
        listKind: `${kind.kind}List`,
        plural: kind.plural,
        singular: kind.kind.toLowerCase(),
        shortNames: kind.shortNames,
        categories,
      },
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: kind.printerColumns,
          schema: { openAPIV3Schema: objectSchema(kind) },
        },
      ],
    },
  };
}
