// What `render --kubeconfig` reads from the cluster for the namespaces its manifests name: the
// Switchyard objects (their UIDs, ages, generations and statuses: Account SIDs and owner
// references come from UIDs, conflicts from ages), every Secret (auth tokens the operator created
// once and never regenerates, passwords), the workers' Leases, and the objects the operator owns.
import { allKinds } from '../../api/v1alpha1/kinds.ts';
import { managedByLabel } from '../../operator/src/compile/names.ts';
import { podLeaseSelector } from '../../operator/src/observe/projections.ts';
import type { ApiClient } from '../../api/kube/client.ts';
import { listAll, type RawObject } from '../kube/cluster-objects.ts';

export const ownedKinds = ['ConfigMap', 'Secret', 'Deployment', 'Service', 'ServiceAccount', 'Role', 'RoleBinding', 'PodDisruptionBudget'];

export interface ClusterSnapshot {
  /** Switchyard objects by `Kind/namespace/name`. */
  switchyard: Map<string, RawObject>;
  /** Every Secret of those namespaces. */
  secrets: RawObject[];
  leases: RawObject[];
  /** Objects labelled as managed by Switchyard, by `Kind/namespace/name`. */
  owned: Map<string, RawObject>;
}

export const objectId = (kind: string, namespace: string, name: string) => `${kind}/${namespace}/${name}`;

const idOf = (kind: string, object: RawObject) => objectId(kind, object.metadata?.namespace ?? '', object.metadata?.name ?? '');

export async function readClusterSnapshot(client: ApiClient, namespaces: Iterable<string>): Promise<ClusterSnapshot> {
  const snapshot: ClusterSnapshot = { switchyard: new Map(), secrets: [], leases: [], owned: new Map() };
  for (const namespace of namespaces) {
    for (const { kind } of allKinds) {
      for (const object of await listAll(client, kind, namespace)) snapshot.switchyard.set(idOf(kind, object), object);
    }
    const secrets = await listAll(client, 'Secret', namespace);
    snapshot.secrets.push(...secrets);
    snapshot.leases.push(...(await listAll(client, 'Lease', namespace, podLeaseSelector)));
    for (const kind of ownedKinds) {
      const objects = kind === 'Secret' ? secrets : await listAll(client, kind, namespace, `${managedByLabel}=switchyard`);
      for (const object of objects) {
        const labels = (object.metadata as { labels?: Record<string, string> } | undefined)?.labels;
        if (labels?.[managedByLabel] === 'switchyard') snapshot.owned.set(idOf(kind, object), object);
      }
    }
  }
  return snapshot;
}
