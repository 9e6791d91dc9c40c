// Reading what the operator wrote, through kubectl, in the shapes the tests compare.
import { numberRoutes } from '../../api/routing/number-routes.ts';
import { routingManifest, routingShard, workerSecrets, type RoutingShard } from '../../api/routing/schema.ts';
import { shardText } from '../../api/routing/shard-data.ts';
import type { TestCluster } from '../../testing/cluster.ts';

interface Condition { type: string; status: string; reason: string; message: string }
export interface ListedObject {
  kind: string;
  metadata: { name: string; namespace: string; resourceVersion: string; uid: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  status?: { conditions?: Condition[]; [field: string]: unknown };
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

export async function list(cluster: TestCluster, namespace: string, resource: string): Promise<ListedObject[]> {
  return (JSON.parse(await cluster.kubectlOk(['get', resource, '-n', namespace, '-o', 'json'])) as { items: ListedObject[] }).items;
}

export const conditionOf = (object: ListedObject | undefined, type: string) => object?.status?.conditions?.find((c) => c.type === type);

/** The routing state a worker would assemble: manifest, shards (checksums verified) and secrets. */
export async function routingState(cluster: TestCluster, namespace: string, carrier: string) {
  const configMaps = await list(cluster, namespace, 'configmaps');
  const manifestMap = configMaps.find((cm) => cm.metadata.name === `${carrier}-routing`);
  if (!manifestMap?.data) return undefined;
  const manifest = routingManifest.parse(JSON.parse(manifestMap.data['manifest.json'] ?? ''));
  const shards: RoutingShard[] = [];
  for (const ref of manifest.shards) {
    const shardMap = configMaps.find((cm) => cm.metadata.name === ref.name);
    const text = shardMap && shardText(shardMap);
    if (!text) return undefined;
    shards.push(routingShard.parse(JSON.parse(text)));
  }
  const secret = JSON.parse(await cluster.kubectlOk(['get', 'secret', manifest.secrets.name, '-n', namespace, '-o', 'json'])) as { data: Record<string, string> };
  const secrets = workerSecrets.parse(JSON.parse(Buffer.from(secret.data['secrets.json'] ?? '', 'base64').toString()));
  return {
    manifest,
    core: shards[0]?.core,
    numbers: Object.fromEntries(numberRoutes(shards)),
    accounts: Object.assign({}, ...shards.map((s) => s.accounts)) as RoutingShard['accounts'],
    secrets,
    configMaps: configMaps.filter((cm) => cm.metadata.name.startsWith(`${carrier}-routing`)),
  };
}

export async function allReady(cluster: TestCluster, namespace: string): Promise<ListedObject[] | undefined> {
  const objects = await list(cluster, namespace, 'telecom');
  return objects.length > 0 && objects.every((o) => conditionOf(o, 'Ready')?.status === 'True') ? objects : undefined;
}
