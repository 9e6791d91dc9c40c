// Routing texts → the RoutingView a worker serves, through the worker's own assembler (checksums
// and all), so a test fixture the assembler would refuse fails the test instead of routing.
import { assembleGeneration } from '../../src/routing/generation-assembler.ts';
import type { RoutingView } from '../../src/routing/routing-view.ts';
import type { RoutingTexts } from './routing-fixture.ts';

export function viewOf(texts: RoutingTexts): Promise<RoutingView> {
  const assembly = assembleGeneration({ manifest: texts.manifest, shards: new Map(texts.shards.map((shard) => [shard.name, shard.text])), secrets: texts.secrets });
  if (!assembly.ok) return Promise.reject(new Error(`routing fixture refused (${assembly.failure}): ${assembly.reason}`));
  return Promise.resolve(assembly.table);
}
