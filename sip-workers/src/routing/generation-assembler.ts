// Manifest + shard texts + secrets text → a RoutingTable, or the reason there is none. Every
// text must match the manifest's sha256 before anything is compiled, and every shard must agree
// with its place in the manifest. Shards whose sha256 the previous table already compiled are
// reused, so a one-number edit compiles one shard. The work is a sequence of steps with pauses
// between them: run straight through (assembleGeneration) or with the event loop turning between
// steps (assembleGenerationGradually) so calls in flight never wait behind a rebuild.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { routingManifest, type RoutingManifest } from '../../../api/routing/schema.ts';
import { sha256Hex, type ChecksumCache } from './checksum-cache.ts';
import { InternPool } from './intern-pool.ts';
import { NumberIndexBuilder } from './number-index.ts';
import { RouteRefs } from './route-refs.ts';
import { RoutingFormatError, schemaProblem } from './routing-format-error.ts';
import { RoutingTable } from './routing-table.ts';
import { compileShard, type CompiledShard } from './shard-compiler.ts';
import { compileSecrets, type CompiledSecrets } from './worker-secrets.ts';

export interface GenerationTexts {
  /** The manifest.json text. */
  manifest: string;
  /** shard.json texts by shard (ConfigMap) name; a missing name is a missing shard. */
  shards: ReadonlyMap<string, string>;
  /** The secrets.json text of the Secret the manifest names; undefined when missing. */
  secrets: string | undefined;
}

/**
 * - manifest: the manifest itself is unreadable or for another carrier.
 * - missing / checksum: an object the manifest names is absent or has other contents; usually
 *   transient (the manifest or a shard is still on its way), so the store waits before calling
 *   it a failure.
 * - invalid: contents match the manifest but are not a valid generation.
 */
export type AssemblyFailure = 'manifest' | 'missing' | 'checksum' | 'invalid';

export type Assembly =
  | { ok: true; table: RoutingTable; compiledShards: number; reusedShards: number }
  | { ok: false; failure: AssemblyFailure; reason: string; generation?: string };

export interface AssemblyOptions {
  /** The table being served: its shards are reused where the sha256 matches. */
  previous?: RoutingTable;
  checksums?: ChecksumCache;
  /** The carrier this worker serves; a manifest for another is refused. */
  carrier?: string;
  /** How long a step may run before pausing (ms). */
  sliceMs?: number;
}

type Step = Generator<void, Assembly>;

const failed = (failure: AssemblyFailure, reason: string, generation?: string): Assembly => ({ ok: false, failure, reason, ...(generation ? { generation } : {}) });

function readManifest(text: string, carrier: string | undefined): RoutingManifest | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return `manifest is not JSON (${(error as Error).message})`;
  }
  const parsed = routingManifest.safeParse(json);
  if (!parsed.success) return `manifest: ${schemaProblem(parsed.error)}`;
  const manifest = parsed.data;
  if (carrier !== undefined && manifest.carrier !== carrier) return `manifest is for carrier "${manifest.carrier}", this worker serves "${carrier}"`;
  if (manifest.shards.length === 0) return 'manifest lists no shards';
  if (new Set(manifest.shards.map((shard) => shard.name)).size !== manifest.shards.length) return 'manifest lists a shard twice';
  return manifest;
}

/** Pauses (yields) once `sliceMs` of work has passed since the last pause. */
class Slicer {
  private readonly sliceMs: number;
  private started = performance.now();

  constructor(sliceMs: number) {
    this.sliceMs = sliceMs;
  }

  *pauseWhenDue(): Generator<void, void> {
    if (performance.now() - this.started < this.sliceMs) return;
    yield;
    this.started = performance.now();
  }
}

/** The shard texts in manifest order once every checksum matches; else the failure. Checksums come first: a manifest racing ahead of its shards is common and should cost no compiling. */
function* verify(manifest: RoutingManifest, texts: GenerationTexts, options: AssemblyOptions, slicer: Slicer): Generator<void, string[] | Assembly> {
  const digest = (name: string, text: string) => (options.checksums ? options.checksums.digest(name, text) : sha256Hex(text));
  const { generation } = manifest;
  if (texts.secrets === undefined) return failed('missing', `Secret ${manifest.secrets.name} is missing`, generation);
  const secretsSha = digest(manifest.secrets.name, texts.secrets);
  if (secretsSha !== manifest.secrets.sha256) return failed('checksum', mismatch(`Secret ${manifest.secrets.name}`, manifest.secrets.sha256, secretsSha), generation);
  const shardTexts: string[] = [];
  for (const ref of manifest.shards) {
    const text = texts.shards.get(ref.name);
    if (text === undefined) return failed('missing', `shard ${ref.name} is missing`, generation);
    const sha = digest(ref.name, text);
    if (sha !== ref.sha256) return failed('checksum', mismatch(`shard ${ref.name}`, ref.sha256, sha), generation);
    shardTexts.push(text);
    yield* slicer.pauseWhenDue();
  }
  return shardTexts;
}

/**
 * marks[id] = 1 for each route id the previous generation's dictionaries gave a key that the
 * recompiled shards now define otherwise or not at all; undefined when there is none. One array
 * for every reused shard to be checked against: a route leaving the dictionary (its second number
 * left it) is an ordinary edit.
 */
function staleRouteMarks(recompiled: ReadonlySet<number>, shards: readonly CompiledShard[], previous: readonly CompiledShard[], routeCount: number): Uint8Array | undefined {
  let marks: Uint8Array | undefined;
  for (const index of recompiled) {
    const now = shards[index]?.routes;
    for (const [key, id] of previous[index]?.routes ?? []) {
      if (now?.get(key) === id) continue;
      marks ??= new Uint8Array(routeCount);
      marks[id] = 1;
    }
  }
  return marks;
}

/**
 * Every shard compiled into `pool`, or taken from `reusable` where its sha256 is known at the same
 * place; then every number naming a route by key gets that route's id.
 */
function* compileShards(manifest: RoutingManifest, shardTexts: readonly string[], pool: InternPool, reusable: ReadonlyMap<string, CompiledShard>, previous: readonly CompiledShard[], slicer: Slicer): Generator<void, CompiledShard[] | Assembly> {
  const sink = { pool, builder: new NumberIndexBuilder(), refs: new RouteRefs() };
  const shards: CompiledShard[] = [];
  const recompiled = new Set<number>();
  const compileAt = (index: number): Assembly | undefined => {
    const ref = manifest.shards[index];
    try {
      shards[index] = compileShard(shardTexts[index] ?? '', { index, count: manifest.shards.length, carrier: manifest.carrier, sha256: ref?.sha256 ?? '' }, sink);
      recompiled.add(index);
      return undefined;
    } catch (error) {
      if (!(error instanceof RoutingFormatError)) throw error;
      return failed('invalid', `shard ${ref?.name ?? index}: ${error.message}`, manifest.generation);
    }
  };
  for (const [index, ref] of manifest.shards.entries()) {
    const known = reusable.get(ref.sha256);
    if (known?.index === index) {
      shards[index] = known;
      continue;
    }
    const failure = compileAt(index);
    if (failure) return failure;
    yield* slicer.pauseWhenDue();
  }
  // A route an unchanged shard's numbers use left or changed in a recompiled shard's dictionary:
  // that shard is read again, so its keys are looked up anew.
  const stale = staleRouteMarks(recompiled, shards, previous, pool.routeCount);
  if (stale) {
    for (const [index, shard] of shards.entries()) {
      if (recompiled.has(index) || !shard.numbers.usesAnyOf(stale)) continue;
      const failure = compileAt(index);
      if (failure) return failure;
      yield* slicer.pauseWhenDue();
    }
  }
  const ids = sink.refs.resolve(shards);
  if (!(ids instanceof Int32Array)) return failed('invalid', `a number refers to route ${ids.undefinedKey}, which shard ${manifest.shards[ids.shard]?.name ?? ids.shard} does not define`, manifest.generation);
  for (const index of recompiled) shards[index]?.numbers.resolve(ids);
  return shards;
}

function secretsOf(manifest: RoutingManifest, text: string, previous: RoutingTable | undefined): CompiledSecrets | Assembly {
  if (previous?.secrets.sha256 === manifest.secrets.sha256) return previous.secrets;
  try {
    return compileSecrets(text, manifest.secrets.sha256);
  } catch (error) {
    if (!(error instanceof RoutingFormatError)) throw error;
    return failed('invalid', `Secret ${manifest.secrets.name}: ${error.message}`, manifest.generation);
  }
}

const isFailure = (value: object): value is Assembly => 'ok' in value;

function* assemble(texts: GenerationTexts, options: AssemblyOptions, freshPool: boolean): Step {
  const manifest = readManifest(texts.manifest, options.carrier);
  if (typeof manifest === 'string') return failed('manifest', manifest);
  const slicer = new Slicer(options.sliceMs ?? 5);
  const shardTexts = yield* verify(manifest, texts, options, slicer);
  if (isFailure(shardTexts)) return shardTexts;

  const previous = options.previous;
  const pool = !freshPool && previous ? previous.pool : new InternPool();
  const reusable = new Map<string, CompiledShard>();
  const comparable = previous?.pool === pool && previous.carrierName === manifest.carrier && previous.shards.length === manifest.shards.length;
  if (comparable) for (const shard of previous.shards) reusable.set(shard.sha256, shard);
  const shards = yield* compileShards(manifest, shardTexts, pool, reusable, comparable ? previous.shards : [], slicer);
  if (isFailure(shards)) return shards;
  const secrets = secretsOf(manifest, texts.secrets ?? '', previous);
  if (isFailure(secrets)) return secrets;
  if (previous?.pool === pool && pool.mostlyGarbage(shards.map((shard) => shard.numbers))) {
    // Start over with an empty pool: entries of long-gone numbers are dropped with the old one.
    return yield* assemble(texts, options, true);
  }
  const table = new RoutingTable({ generation: manifest.generation, carrierName: manifest.carrier, shards, secrets, pool });
  const compiled = shards.filter((shard) => previous?.shards[shard.index] !== shard).length;
  return { ok: true, table, compiledShards: compiled, reusedShards: shards.length - compiled };
}

const mismatch = (what: string, expected: string, actual: string) => `${what} does not match the manifest (sha256 ${actual.slice(0, 12)}…, manifest says ${expected.slice(0, 12)}…)`;

/** Assembles in one go. */
export function assembleGeneration(texts: GenerationTexts, options: AssemblyOptions = {}): Assembly {
  const steps = assemble(texts, options, false);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Assembles with a turn of the event loop every `sliceMs` of work. */
export async function assembleGenerationGradually(texts: GenerationTexts, options: AssemblyOptions = {}): Promise<Assembly> {
  const steps = assemble(texts, options, false);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await nextTurn();
  }
}
