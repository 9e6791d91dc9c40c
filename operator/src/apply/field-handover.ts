// Handing a field of an applied object over to another controller (a Deployment's replicas to its
// HorizontalPodAutoscaler). Server-side apply removes a field from the object when its only owner
// stops applying it, and the API server then defaults it: replicas would drop to 1 for the moments
// until the autoscaler next looks. So before the first apply without the field, a second manager
// applies the field alone at its live value, co-owning it; the operator's apply then lets go and the
// value stays. The autoscaler's next change of it takes it over. This is Kubernetes' documented
// procedure ("Transferring ownership" in the server-side apply docs); the handover manager writes
// nothing else, and only while the operator's own apply still owns the field.
import type { DesiredObject, FieldHandover } from '../compile/desired.ts';
import { fieldManager } from '../compile/names.ts';
import { ApiError, type ApiClient } from '../../../api/kube/client.ts';
import { objectPath } from '../kube/resources.ts';
import { applyPatchContentType } from '../../../api/kube/apply-patch.ts';

export const handoverFieldManager = `${fieldManager}-handover`;

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  fieldsV1?: Record<string, unknown>;
}

interface LiveObject {
  metadata?: { managedFields?: ManagedFieldsEntry[] };
  [field: string]: unknown;
}

const valueAt = (object: Record<string, unknown>, path: readonly string[]): unknown =>
  path.reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), object);

/** `{ a: { b: value } }` for the path a.b. */
const nested = (path: readonly string[], value: unknown): Record<string, unknown> =>
  path.reduceRight<Record<string, unknown>>((inner, key, index) => (index === path.length - 1 ? { [key]: value } : { [key]: inner }), {});

/** Whether the operator's apply (not an update, not a subresource) owns the field in managedFields. */
export function appliedByOperator(live: LiveObject, path: readonly string[]): boolean {
  return (live.metadata?.managedFields ?? []).some((entry) =>
    entry.manager === fieldManager && entry.operation === 'Apply' && !entry.subresource && valueAt(entry.fieldsV1 ?? {}, path.map((key) => `f:${key}`)) !== undefined);
}

/**
 * Runs before `object` (which lacks the field) is applied; returns the writes it made. A missing
 * object is first created with the field at its initial value, so it never starts at the default.
 */
export async function handOverField(client: ApiClient, object: DesiredObject, handover: FieldHandover): Promise<number> {
  const { apiVersion, kind, metadata } = object;
  const path = objectPath(kind, metadata.namespace, metadata.name);
  const apply = (manager: string, body: unknown, force: boolean) =>
    client.request('PATCH', `${path}?fieldManager=${manager}${force ? '&force=true' : ''}`, body, applyPatchContentType, { discardBody: true });
  let live: LiveObject | undefined;
  try {
    live = await client.request<LiveObject>('GET', path);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
  }
  let writes = 0;
  let value: unknown;
  if (live === undefined) {
    const withField: Record<string, unknown> = { ...object };
    const [head, ...rest] = handover.path;
    if (head === undefined) return 0;
    withField[head] = { ...(object[head] as Record<string, unknown> | undefined), ...nested(rest, handover.initial) };
    await apply(fieldManager, withField, true);
    writes++;
    value = handover.initial;
  } else {
    if (!appliedByOperator(live, handover.path)) return 0;
    value = valueAt(live, handover.path);
  }
  try {
    await apply(handoverFieldManager, { apiVersion, kind, metadata: { name: metadata.name, namespace: metadata.namespace }, ...nested(handover.path, value) }, false);
    writes++;
  } catch (error) {
    // A conflict: the other controller set the field to another value since we read it, so it
    // owns it already and there is nothing left to hand over.
    if (!(error instanceof ApiError && error.status === 409)) throw error;
  }
  return writes;
}
