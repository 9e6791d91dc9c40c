// render --diff: what the operator would change in the cluster, object by object. Owned objects
// are compared on the fields the operator sets (its server-side apply owns those; the API server
// and other managers add the rest), except data and binaryData, which it owns whole; statuses are
// compared whole.
import type { DesiredObject } from '../../operator/src/compile/desired.ts';
import { carrierLabel } from '../../operator/src/compile/names.ts';
import type { ApiClient } from '../../api/kube/client.ts';
import { ownedMeta } from '../../operator/src/observe/projections.ts';
import { getIfPresent, type RawObject } from '../kube/cluster-objects.ts';
import { objectId, type ClusterSnapshot } from './cluster-snapshot.ts';
import { differences, formatDifference, type Difference } from './object-diff.ts';
import type { Rendering } from './render-manifests.ts';
import { decodedData } from './secret-values.ts';

export interface ObjectChange {
  /** "+ ", "- " or "~ " and the object. */
  heading: string;
  lines: string[];
}

const describe = (kind: string, namespace: string, name: string) => `${kind} ${namespace}/${name}`;

function ownedDifferences(live: RawObject, desired: DesiredObject): Difference[] {
  const secret = desired.kind === 'Secret';
  // apiVersion and kind name the object (list responses leave them out of items); the rest is content.
  return Object.keys(desired).filter((field) => field !== 'apiVersion' && field !== 'kind').flatMap((field) => {
    if (field === 'binaryData') return differences(live.binaryData ?? {}, desired.binaryData, 'exact', 'binaryData');
    if (field !== 'data') return differences(live[field], desired[field], 'subset', field);
    const [before, after] = secret ? [decodedData(live.data as Record<string, string>), decodedData(desired.data as Record<string, string>)] : [live.data ?? {}, desired.data];
    return differences(before, after, 'exact', 'data');
  });
}

async function liveObject(client: ApiClient, snapshot: ClusterSnapshot, object: DesiredObject): Promise<RawObject | undefined> {
  const { kind, metadata } = object;
  return snapshot.owned.get(objectId(kind, metadata.namespace, metadata.name)) ?? (await getIfPresent(client, kind, metadata.namespace, metadata.name));
}

export async function diffAgainstCluster(rendering: Rendering, snapshot: ClusterSnapshot, client: ApiClient): Promise<ObjectChange[]> {
  const changes: ObjectChange[] = [];
  for (const object of rendering.applied) {
    const { kind, metadata } = object;
    const live = await liveObject(client, snapshot, object);
    if (!live) {
      changes.push({ heading: `+ ${describe(kind, metadata.namespace, metadata.name)}`, lines: ['absent: the operator would create it'] });
      continue;
    }
    const found = ownedDifferences(live, object);
    if (found.length > 0) changes.push({ heading: `~ ${describe(kind, metadata.namespace, metadata.name)}`, lines: found.map((difference) => formatDifference(difference, kind === 'Secret' && difference.path.startsWith('data'))) });
  }
  for (const object of rendering.created) {
    if (!(await liveObject(client, snapshot, object))) changes.push({ heading: `+ ${describe(object.kind, object.metadata.namespace, object.metadata.name)}`, lines: ['absent: the operator would create it once (it never updates it)'] });
  }

  // What the operator would prune: objects it owns for the carriers of DIR that it no longer wants.
  const wanted = new Set([...rendering.applied, ...rendering.created].map((o) => objectId(o.kind, o.metadata.namespace, o.metadata.name)));
  const carriers = new Set(rendering.carriers.map((carrier) => `${carrier.namespace}/${carrier.name}`));
  for (const [id, live] of snapshot.owned) {
    const metadata = (live.metadata ?? {}) as { namespace?: string; labels?: Record<string, string> };
    const carrier = `${metadata.namespace ?? ''}/${metadata.labels?.[carrierLabel] ?? ''}`;
    if (!wanted.has(id) && carriers.has(carrier) && ownedMeta(live).controlledByCarrier) changes.push({ heading: `- ${id.replace('/', ' ')}`, lines: ['no longer wanted: the operator would delete it'] });
  }

  for (const rendered of rendering.statuses) {
    const { kind, metadata } = rendered;
    const live = snapshot.switchyard.get(objectId(kind, metadata.namespace, metadata.name));
    if (!live) {
      changes.push({ heading: `+ ${describe(kind, metadata.namespace, metadata.name)}`, lines: ['not in the cluster: kubectl apply creates it'] });
      continue;
    }
    const found = differences(live.status ?? {}, rendered.status, 'exact', 'status');
    if (found.length > 0) changes.push({ heading: `~ ${describe(kind, metadata.namespace, metadata.name)}`, lines: found.map((difference) => formatDifference(difference)) });
  }
  return changes;
}
