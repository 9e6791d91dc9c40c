// explain-route against a cluster: the carrier's routing ConfigMaps (manifest and shards) and its
// worker Secret, read and assembled as a SIP worker reads them, and the objects' conditions.
import { inboundTrunkSpec } from '../../api/v1alpha1/inbound-trunk.ts';
import { names } from '../../operator/src/compile/names.ts';
import { ApiError, type ApiClient } from '../../api/kube/client.ts';
import { assembleGeneration } from '../../sip-workers/src/routing/generation-assembler.ts';
import { generationTextsFrom, referencedNames, type RoutingObject } from '../../sip-workers/src/routing/routing-objects.ts';
import { getIfPresent, listAll, type RawObject } from '../kube/cluster-objects.ts';
import { CommandError } from '../terminal/command.ts';
import { problemOf, type NumberFact, type RouteEvidence, type TrunkFact } from './route-evidence.ts';

const metadataOf = (object: RawObject) => (object.metadata ?? {}) as { namespace?: string; name?: string };
const specOf = (object: RawObject) => (object.spec ?? {}) as { carrierRef?: { name?: string }; number?: string; sourceIPs?: unknown };

function factOf(object: RawObject) {
  const { namespace = '', name = '' } = metadataOf(object);
  const problem = problemOf(object.status);
  return { namespace, name, carrier: specOf(object).carrierRef?.name ?? '', ...(problem ? { problem } : {}) };
}

/** InboundTrunks of every namespace (source ranges are unique across carriers); the carrier's namespace alone if that is all RBAC allows. */
async function listTrunks(client: ApiClient, namespace: string): Promise<RawObject[]> {
  try {
    return await listAll(client, 'InboundTrunk', undefined);
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return listAll(client, 'InboundTrunk', namespace);
    throw error;
  }
}

export async function evidenceFromCluster(client: ApiClient, namespace: string, carrier: string): Promise<RouteEvidence> {
  const manifest = await getIfPresent<RoutingObject>(client, 'ConfigMap', namespace, names.routingManifest(carrier));
  if (!manifest) throw new CommandError(`no ConfigMap ${namespace}/${names.routingManifest(carrier)}: is Carrier ${carrier} in namespace ${namespace}, and is the operator running?`);
  const referenced = referencedNames(manifest.data?.['manifest.json'] ?? '');
  const objects: RoutingObject[] = [{ ...manifest, kind: 'ConfigMap' }];
  for (const shard of referenced.shards) {
    const object = await getIfPresent<RoutingObject>(client, 'ConfigMap', namespace, shard);
    if (object) objects.push({ ...object, kind: 'ConfigMap' });
  }
  if (referenced.secrets) {
    const secret = await getIfPresent<RoutingObject>(client, 'Secret', namespace, referenced.secrets);
    if (secret) objects.push({ ...secret, kind: 'Secret' });
  }
  const texts = generationTextsFrom(objects, carrier);
  const assembly = texts && assembleGeneration(texts, { carrier });
  if (!assembly?.ok) throw new CommandError(`the routing of Carrier ${namespace}/${carrier} does not assemble${assembly ? ` (${assembly.failure}): ${assembly.reason}` : ''}; if the operator is writing a new generation, try again`);

  const trunks: TrunkFact[] = (await listTrunks(client, namespace)).map((object) => {
    const spec = inboundTrunkSpec.safeParse(object.spec);
    return { ...factOf(object), sourceIPs: spec.success ? spec.data.sourceIPs : [] };
  });
  return {
    view: assembly.table, namespace, trunks,
    // Only when a number is not routed: a paged scan of the namespace's PhoneNumbers.
    numbersClaiming: async (number) => (await listAll(client, 'PhoneNumber', namespace))
      .filter((object) => specOf(object).number === number)
      .map((object): NumberFact => ({ ...factOf(object), number })),
  };
}
