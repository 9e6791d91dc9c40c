// From Kubernetes objects (ConfigMaps and the Secret, as the operator compiles them or as the API
// returns them) to the texts the assembler takes, and the names a worker needs to watch.
import { manifestKey, secretsKey } from '../../../api/routing/schema.ts';
import { ShardEncodingError, shardText } from '../../../api/routing/shard-data.ts';
import { names } from '../../../operator/src/compile/names.ts';
import type { GenerationTexts } from './generation-assembler.ts';

export interface RoutingObject {
  kind?: string;
  metadata?: { name?: string };
  /** A Secret's values are base64, a ConfigMap's plain. */
  data?: Record<string, string>;
  /** A ConfigMap's binary values, base64: a shard's gzip'd text. */
  binaryData?: Record<string, string>;
}

export const manifestName = (carrier: string): string => names.routingManifest(carrier);

export interface ObjectReference {
  name: string;
  sha256: string;
  kind: 'ConfigMap' | 'Secret';
}

/** The objects a manifest names with their checksums, read leniently: an unreadable manifest names nothing (the assembler says why). */
export function manifestReferences(manifestText: string): ObjectReference[] {
  try {
    const manifest = JSON.parse(manifestText) as { shards?: unknown; secrets?: unknown };
    const reference = (entry: unknown, kind: ObjectReference['kind']): ObjectReference[] => {
      const { name, sha256 } = (entry ?? {}) as { name?: unknown; sha256?: unknown };
      return typeof name === 'string' && typeof sha256 === 'string' ? [{ name, sha256, kind }] : [];
    };
    return [...(Array.isArray(manifest.shards) ? manifest.shards.flatMap((shard) => reference(shard, 'ConfigMap')) : []), ...reference(manifest.secrets, 'Secret')];
  } catch {
    return [];
  }
}

/** The shard names and the Secret name a manifest gives. */
export function referencedNames(manifestText: string): { shards: string[]; secrets: string | undefined } {
  const references = manifestReferences(manifestText);
  return { shards: references.filter((ref) => ref.kind === 'ConfigMap').map((ref) => ref.name), secrets: references.find((ref) => ref.kind === 'Secret')?.name };
}

/**
 * The text an object holds for routing: the shard's JSON (unzipped), manifest.json or the decoded
 * secrets.json. A shard whose binaryData does not unzip throws ShardEncodingError.
 */
export function routingText(object: RoutingObject): string | undefined {
  const data = object.data ?? {};
  if (object.kind === 'Secret') {
    const encoded = data[secretsKey];
    return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
  }
  return shardText(object) ?? data[manifestKey];
}

/** routingText, with a shard that does not unzip counted as absent (the assembler then keeps the last good generation). */
function readableText(object: RoutingObject): string | undefined {
  try {
    return routingText(object);
  } catch (error) {
    if (error instanceof ShardEncodingError) return undefined;
    throw error;
  }
}

/** The texts of a carrier's generation among `objects`; undefined without its manifest. */
export function generationTextsFrom(objects: Iterable<RoutingObject>, carrier: string): GenerationTexts | undefined {
  const byName = new Map<string, RoutingObject>();
  for (const object of objects) if (object.metadata?.name) byName.set(object.metadata.name, object);
  const manifestObject = byName.get(manifestName(carrier));
  const manifest = manifestObject?.data?.[manifestKey];
  if (manifest === undefined) return undefined;
  const referenced = referencedNames(manifest);
  const shards = new Map<string, string>();
  for (const name of referenced.shards) {
    const object = byName.get(name);
    const text = object === undefined ? undefined : readableText({ ...object, kind: 'ConfigMap' });
    if (text !== undefined) shards.set(name, text);
  }
  const secretObject = referenced.secrets === undefined ? undefined : byName.get(referenced.secrets);
  return { manifest, shards, secrets: secretObject ? routingText({ ...secretObject, kind: 'Secret' }) : undefined };
}
