// Routing state for worker tests, produced the way production produces it: Switchyard objects
// (through the CRD zod schemas) compiled by the operator's own pure compile step. The worker
// then reads exactly the texts the operator would write into the ConfigMaps and the Secret.
import { compile } from '../../../operator/src/compile/compile.ts';
import type { Observed } from '../../../operator/src/compile/observed.ts';
import { context, observed } from '../../../operator/test/builders.ts';
import { manifestKey, secretsKey } from '../../../api/routing/schema.ts';
import { shardText } from '../../../api/routing/shard-data.ts';

export interface RoutingTexts {
  generation: string;
  manifest: string;
  shards: Array<{ name: string; text: string }>;
  secrets: string;
}

interface DataObject {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

function secretData(object: DataObject): Record<string, string> {
  return Object.fromEntries(Object.entries(object.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()]));
}

/**
 * Compiles twice: the first pass creates the Accounts' auth-token Secrets (create-only, as the
 * applier would), the second sees them, as the operator's next pass does.
 */
export function compileRoutingTexts(parts: Partial<Observed>, carrier: string): RoutingTexts {
  const first = compile(observed(parts), context);
  const secrets = new Map(parts.secrets ?? []);
  for (const object of first.createOnly as DataObject[]) {
    const { name = '', namespace = '' } = object.metadata ?? {};
    secrets.set(`${namespace}/${name}`, { namespace, name, data: secretData(object) });
  }
  const result = compile(observed({ ...parts, secrets }), context);
  const objects = result.phases.flat() as DataObject[];
  const named = (name: string) => objects.find((object) => object.metadata?.name === name);
  const manifestObject = named(`${carrier}-routing`);
  const manifest = manifestObject?.data?.[manifestKey];
  if (!manifest) throw new Error(`compile produced no routing manifest for carrier ${carrier}`);
  const parsed = JSON.parse(manifest) as { generation: string; shards: Array<{ name: string }>; secrets: { name: string } };
  const shards = parsed.shards.map(({ name }) => ({ name, text: shardText(named(name) ?? {}) ?? '' }));
  const secretObject = named(parsed.secrets.name);
  return { generation: parsed.generation, manifest, shards, secrets: secretObject ? secretData(secretObject)[secretsKey] ?? '' : '' };
}
