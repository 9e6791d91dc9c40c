// explain-route --dir: the evidence from a directory of manifests, through render's compile: the
// generation of the carrier's routing objects, and the statuses the operator would set.
import { generationTextsFrom } from '../../sip-workers/src/routing/routing-objects.ts';
import { assembleGeneration } from '../../sip-workers/src/routing/generation-assembler.ts';
import { readManifestDir } from '../render/manifest-files.ts';
import { renderManifests } from '../render/render-manifests.ts';
import { objectId } from '../render/cluster-snapshot.ts';
import { CommandError } from '../terminal/command.ts';
import { problemOf, type NumberFact, type RouteEvidence, type TrunkFact } from './route-evidence.ts';

export interface ManifestEvidenceOptions {
  dir: string;
  carrier: string;
  /** Which namespace's carrier, when DIR has several; also the namespace of objects naming none. */
  namespace: string | undefined;
  images: { sipWorker: string; mediaRelay: string; pushService: string };
  now: Date;
}

export async function evidenceFromManifests(options: ManifestEvidenceOptions): Promise<RouteEvidence & { warnings: string[] }> {
  const manifests = await readManifestDir(options.dir);
  const rendering = renderManifests(manifests, { defaultNamespace: options.namespace ?? 'default', images: options.images, now: options.now });
  const { observed } = rendering;
  const carriers = observed.carriers.filter((carrier) => carrier.metadata.name === options.carrier && (options.namespace === undefined || carrier.metadata.namespace === options.namespace));
  if (carriers.length === 0) {
    const known = observed.carriers.map((carrier) => `${carrier.metadata.namespace}/${carrier.metadata.name}`).join(', ') || 'none';
    throw new CommandError(`${options.dir} has no Carrier ${options.carrier}${options.namespace ? ` in namespace ${options.namespace}` : ''} (Carriers: ${known})`);
  }
  if (carriers.length > 1) throw new CommandError(`${options.dir} has Carrier ${options.carrier} in several namespaces: give --namespace`);
  const namespace = carriers[0]?.metadata.namespace ?? '';

  const texts = generationTextsFrom(rendering.applied.filter((object) => object.metadata.namespace === namespace), options.carrier);
  if (!texts) throw new CommandError(`the compile wrote no routing for Carrier ${namespace}/${options.carrier}`);
  const assembly = assembleGeneration(texts, { carrier: options.carrier });
  if (!assembly.ok) throw new CommandError(`the routing compiled from ${options.dir} does not assemble (${assembly.failure}): ${assembly.reason}`);

  const statuses = new Map(rendering.statuses.map((status) => [objectId(status.kind, status.metadata.namespace, status.metadata.name), status.status]));
  const fact = (kind: string, metadata: { namespace: string; name: string }, carrier: string) => {
    const problem = problemOf(statuses.get(objectId(kind, metadata.namespace, metadata.name)));
    return { namespace: metadata.namespace, name: metadata.name, carrier, ...(problem ? { problem } : {}) };
  };
  const trunks: TrunkFact[] = observed.inboundTrunks.map((trunk) => ({ ...fact('InboundTrunk', trunk.metadata, trunk.spec.carrierRef.name), sourceIPs: trunk.spec.sourceIPs }));
  const numbers: NumberFact[] = observed.phoneNumbers.map((number) => ({ ...fact('PhoneNumber', number.metadata, number.spec.carrierRef.name), number: number.spec.number }));
  return {
    view: assembly.table, namespace, trunks,
    numbersClaiming: (number) => Promise.resolve(numbers.filter((candidate) => candidate.number === number && candidate.namespace === namespace)),
    warnings: rendering.warnings,
  };
}
