// The API access a SIP worker pod has: a ServiceAccount bound to a Role with exactly the rules
// the operator grants workers (workerRules), and the API client a worker builds from a kubeconfig
// holding that account's token. Tests that talk to the API as a worker go through this, so a
// missing permission fails them.
import type { ApiClient } from '../../../api/kube/client.ts';
import { manifestKey, secretsKey } from '../../../api/routing/schema.ts';
import { shardBinaryData } from '../../../api/routing/shard-data.ts';
import type { CompiledRouting } from '../../../operator/src/compile/routing.ts';
import { workerRules } from '../../../operator/src/compile/workloads/worker-rbac.ts';
import type { WorkloadInputs } from '../../../operator/src/compile/workloads/inputs.ts';
import type { TestCluster } from '../../../testing/cluster.ts';
import { actAsServiceAccount } from '../../../testing/service-account.ts';
import { podApiClient } from '../../src/kube/pod-api-client.ts';
import type { GenerationTexts } from '../../src/routing/generation-assembler.ts';
import { manifestName, referencedNames } from '../../src/routing/routing-objects.ts';

export async function workerApiClient(cluster: TestCluster, namespace: string, carrier: string, routingShardCount: number): Promise<ApiClient> {
  const account = `${carrier}-sip-worker`;
  const rules = workerRules({ carrier: { metadata: { name: carrier, namespace, uid: 'unused' } }, routingShardCount } as WorkloadInputs);
  const objects = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: account, namespace } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: account, namespace }, rules },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: account, namespace }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: account }, subjects: [{ kind: 'ServiceAccount', name: account, namespace }] },
  ];
  await cluster.kubectlOk(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }) });
  const identity = await actAsServiceAccount(cluster, namespace, account);
  return podApiClient(identity.kubeconfig, {});
}

/**
 * Writes what the operator compiled (owner references dropped: the test has no Carrier to own
 * them): shards and Secret before the manifest, as the operator does, or the manifest first with
 * the rest `lagMs` later, as a worker may see them.
 */
export async function publish(cluster: TestCluster, namespace: string, compiled: Pick<CompiledRouting, 'shards' | 'workerSecret' | 'manifest'>, order: { manifestFirst: boolean; lagMs?: number } = { manifestFirst: false }): Promise<void> {
  const withoutOwner = (object: CompiledRouting['manifest']) => ({ ...object, metadata: { ...object.metadata, namespace, ownerReferences: undefined } });
  const apply = (items: CompiledRouting['manifest'][]) => cluster.kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: items.map(withoutOwner) }) });
  if (order.manifestFirst) {
    await apply([compiled.manifest]);
    await new Promise((resolve) => setTimeout(resolve, order.lagMs ?? 0));
  }
  await apply([...compiled.shards, compiled.workerSecret]);
  if (!order.manifestFirst) await apply([compiled.manifest]);
}

/** Writes texts as the operator's objects would hold them (for states the operator would not write, such as a corrupt shard). */
export async function publishTexts(cluster: TestCluster, namespace: string, carrier: string, texts: GenerationTexts): Promise<void> {
  const configMap = (name: string, key: string, text: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { [key]: text } });
  const { secrets } = referencedNames(texts.manifest);
  const apply = (items: object[]) => cluster.kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }) });
  await apply([
    ...[...texts.shards].map(([name, text]) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, binaryData: shardBinaryData(text) })),
    ...(secrets && texts.secrets !== undefined ? [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: secrets, namespace }, data: { [secretsKey]: Buffer.from(texts.secrets).toString('base64') } }] : []),
  ]);
  await apply([configMap(manifestName(carrier), manifestKey, texts.manifest)]);
}
