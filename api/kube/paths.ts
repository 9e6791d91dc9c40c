// REST paths of namespaced resources: /api/v1/... for the core group, /apis/<group>/<version>/...
// for the others.

/** /api/v1/namespaces/ns/configmaps, or the cluster-wide collection when namespace is undefined. */
export function collectionPathOf(apiVersion: string, plural: string, namespace?: string): string {
  const base = apiVersion === 'v1' ? '/api/v1' : `/apis/${apiVersion}`;
  return namespace === undefined ? `${base}/${plural}` : `${base}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
}

export const objectPathOf = (apiVersion: string, plural: string, namespace: string, name: string) => `${collectionPathOf(apiVersion, plural, namespace)}/${encodeURIComponent(name)}`;
