// What the API says about progress: the operator compiled an object when its status carries the
// object's generation; a Carrier's routing is served when the manifest's generation, the Carrier's
// status and every worker agree and the Carrier is Programmed.
import { manifestKey } from '../../api/routing/schema.ts';
import { names } from '../../operator/src/compile/names.ts';
import type { Kubectl } from './kubectl.ts';

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface Observed {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; generation?: number };
  spec?: Record<string, unknown>;
  status?: { observedGeneration?: number; routingGeneration?: string; conditions?: Condition[] };
}

export const compiled = (object: Observed) => (object.status?.observedGeneration ?? -1) >= (object.metadata.generation ?? 0);

export const condition = (object: Observed, type: string) => object.status?.conditions?.find((item) => item.type === type);

/** The objects of `resource` the operator has not compiled at their current generation. */
export async function notCompiled(kubectl: Kubectl, resource: string): Promise<Observed[]> {
  const { items } = await kubectl.json<{ items: Observed[] }>(['get', resource, '--all-namespaces']);
  return items.filter((item) => !compiled(item));
}

/** The routing generation the operator last published for a Carrier. */
export async function publishedGeneration(kubectl: Kubectl, namespace: string, carrier: string): Promise<string | undefined> {
  const manifest = await kubectl.json<{ data?: Record<string, string> }>(['get', 'configmap', names.routingManifest(carrier), '-n', namespace]);
  const text = manifest.data?.[manifestKey];
  return text === undefined ? undefined : (JSON.parse(text) as { generation?: string }).generation;
}
