// The operator's pure compile over a directory of manifests: the objects it would write (with the
// applied-hash annotation its applier adds) and the status each Switchyard object would have.
import { createHash } from 'node:crypto';
import { appliedHashAnnotation, intentHash } from '../../operator/src/apply/applier.ts';
import { compile, type CompileContext } from '../../operator/src/compile/compile.ts';
import type { DesiredObject } from '../../operator/src/compile/desired.ts';
import type { Observed } from '../../operator/src/compile/observed.ts';
import type { CarrierSummary } from '../../operator/src/compile/result.ts';
import { resourceOf } from '../../operator/src/kube/resources.ts';
import { objectId, type ClusterSnapshot } from './cluster-snapshot.ts';
import type { LocatedManifest } from './manifest-files.ts';
import { observeManifests, type ManifestRef } from './observed-from-manifests.ts';

export interface RenderedStatus {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
  status: Record<string, unknown>;
}

export interface Rendering {
  /** Server-side applied by the operator: routing shards and worker Secret, manifests, workloads. */
  applied: DesiredObject[];
  /** Created once when absent and never updated (auth-token Secrets). */
  created: DesiredObject[];
  /** One per Switchyard object of DIR, in DIR order. */
  statuses: RenderedStatus[];
  carriers: CarrierSummary[];
  switchyard: ManifestRef[];
  /** What the compile saw (specs parsed, defaults applied), for tools that explain its output. */
  observed: Observed;
  warnings: string[];
}

export interface RenderOptions {
  defaultNamespace: string;
  images: CompileContext['images'];
  now: Date;
  cluster?: ClusterSnapshot;
}

/**
 * Offline, "random" bytes are a fixed stream (sha256 of a counter), so the same DIR always renders
 * the same auth tokens and so the same routing generation. Render never prints Secret values.
 */
export function deterministicBytes(): (size: number) => Uint8Array {
  let counter = 0;
  return (size) => {
    const bytes = Buffer.alloc(size);
    for (let filled = 0; filled < size; filled += 32) createHash('sha256').update(`switchyard render/${counter++}`).digest().copy(bytes, filled);
    return bytes;
  };
}

/** As the applier sends it: the hash of the intent in an annotation, so an unchanged object is never rewritten. */
function withAppliedHash(object: DesiredObject): DesiredObject {
  return { ...object, metadata: { ...object.metadata, annotations: { ...object.metadata.annotations, [appliedHashAnnotation]: intentHash(object) } } };
}

export function renderManifests(manifests: readonly LocatedManifest[], options: RenderOptions): Rendering {
  const { observed, switchyard, clusterStatuses, warnings } = observeManifests(manifests, options);
  const result = compile(observed, { now: options.now, images: options.images, randomBytes: deterministicBytes() });
  // The compile reports only statuses that differ from the observed ones; an unchanged one is the cluster's.
  const computed = new Map(result.statuses.map((update) => [objectId(update.kind, update.namespace, update.name), update.status]));
  const statuses = switchyard.map(({ kind, namespace, name }): RenderedStatus => {
    const id = objectId(kind, namespace, name);
    const status = (computed.get(id) ?? clusterStatuses.get(id) ?? {}) as Record<string, unknown>;
    return { apiVersion: resourceOf(kind).apiVersion, kind, metadata: { name, namespace }, status };
  });
  return { applied: result.phases.flat().map(withAppliedHash), created: result.createOnly, statuses, carriers: result.carriers, switchyard, observed, warnings };
}
