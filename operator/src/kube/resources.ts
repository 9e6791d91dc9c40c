// REST paths of the kinds the operator reads and writes. A static table: the set is small and
// fixed, and discovery would add a start-up dependency on aggregated APIs being healthy.
import { allKinds } from '../../../api/v1alpha1/kinds.ts';
import { collectionPathOf, objectPathOf } from '../../../api/kube/paths.ts';
import { apiVersion as switchyardVersion } from '../../../api/v1alpha1/meta.ts';

interface Resource {
  apiVersion: string;
  plural: string;
}

const resources = new Map<string, Resource>([
  ['ConfigMap', { apiVersion: 'v1', plural: 'configmaps' }],
  ['Secret', { apiVersion: 'v1', plural: 'secrets' }],
  ['Service', { apiVersion: 'v1', plural: 'services' }],
  ['ServiceAccount', { apiVersion: 'v1', plural: 'serviceaccounts' }],
  ['Pod', { apiVersion: 'v1', plural: 'pods' }],
  ['Event', { apiVersion: 'v1', plural: 'events' }],
  ['Deployment', { apiVersion: 'apps/v1', plural: 'deployments' }],
  ['Role', { apiVersion: 'rbac.authorization.k8s.io/v1', plural: 'roles' }],
  ['RoleBinding', { apiVersion: 'rbac.authorization.k8s.io/v1', plural: 'rolebindings' }],
  ['PodDisruptionBudget', { apiVersion: 'policy/v1', plural: 'poddisruptionbudgets' }],
  ['HorizontalPodAutoscaler', { apiVersion: 'autoscaling/v2', plural: 'horizontalpodautoscalers' }],
  ['Lease', { apiVersion: 'coordination.k8s.io/v1', plural: 'leases' }],
  ...allKinds.map((kind): [string, Resource] => [kind.kind, { apiVersion: switchyardVersion, plural: kind.plural }]),
]);

export function resourceOf(kind: string): Resource {
  const resource = resources.get(kind);
  if (!resource) throw new Error(`no REST mapping for kind ${kind}`);
  return resource;
}

/** /api/v1/namespaces/ns/configmaps[/name], or the cluster-wide collection when namespace is undefined. */
export function collectionPath(kind: string, namespace?: string): string {
  const { apiVersion, plural } = resourceOf(kind);
  return collectionPathOf(apiVersion, plural, namespace);
}

export const objectPath = (kind: string, namespace: string, name: string) => {
  const { apiVersion, plural } = resourceOf(kind);
  return objectPathOf(apiVersion, plural, namespace, name);
};
