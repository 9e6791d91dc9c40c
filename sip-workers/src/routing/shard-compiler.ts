// One shard.json text → lookup tables. The numbers and the routes dictionary go through the scanner
// (the bulk of the text); everything else is small and goes through JSON.parse and the zod schema,
// as the contract says. Numbers that name their route by key are left pending (route-refs.ts).
import { routingShard, type AccountRoute } from '../../../api/routing/schema.ts';
import type { InternPool } from './intern-pool.ts';
import { JsonCursor } from './json-cursor.ts';
import type { NumberIndex, NumberIndexBuilder } from './number-index.ts';
import { scanNumbers, scanRoutes } from './number-scanner.ts';
import type { RouteRefs } from './route-refs.ts';
import { compileCore, type RoutingCore } from './routing-core.ts';
import { RoutingFormatError, schemaProblem } from './routing-format-error.ts';
import { shardOf } from './shard-placement.ts';

export interface CompiledShard {
  readonly index: number;
  readonly carrier: string;
  /** Of the text it was compiled from: an unchanged shard is reused by it. */
  readonly sha256: string;
  /** The pool its route ids refer to. */
  readonly pool: InternPool;
  readonly numbers: NumberIndex;
  /** The routes dictionary this shard holds: route key → route id. */
  readonly routes: ReadonlyMap<string, number>;
  readonly accounts: ReadonlyMap<string, AccountRoute>;
  /** Shard 0 only. */
  readonly core: RoutingCore | undefined;
}

/** Where the manifest puts the shard: what its contents must agree with. */
export interface ShardPlace {
  index: number;
  count: number;
  carrier: string;
  sha256: string;
}

const envelope = routingShard.omit({ numbers: true, routes: true });

/** Where a shard's routes go: the pool they are interned in, and the generation's pending keys. */
export interface ShardSink {
  pool: InternPool;
  builder: NumberIndexBuilder;
  refs: RouteRefs;
}

/** Carrier and index, checked as soon as they are read: a misplaced shard's numbers would all be misplaced too. */
function checkPlace(members: ReadonlyMap<string, unknown>, place: ShardPlace): void {
  const carrier = members.get('carrier');
  const index = members.get('index');
  if (typeof carrier === 'string' && carrier !== place.carrier) throw new RoutingFormatError(`belongs to carrier "${carrier}", not "${place.carrier}"`);
  if (typeof index === 'number' && index !== place.index) throw new RoutingFormatError(`says it is shard ${index} but the manifest lists it as shard ${place.index}`);
}

/**
 * The shard's tables; its numbers' route ids stay pending where they name a key, until the
 * assembler resolves them (NumberIndex.resolve) against every shard's routes.
 */
export function compileShard(text: string, place: ShardPlace, sink: ShardSink): CompiledShard {
  const { pool, builder, refs } = sink;
  const cursor = new JsonCursor(text);
  const members = new Map<string, unknown>();
  let numbers: NumberIndex | undefined;
  let routes: Map<string, number> | undefined;
  cursor.expect(0x7b);
  if (cursor.peek() === 0x7d) cursor.pos++;
  else {
    do {
      cursor.string();
      const key = cursor.stringValue();
      cursor.expect(0x3a);
      if ((key === 'numbers' && numbers) || (key === 'routes' && routes)) cursor.fail(`"${key}" twice`);
      if (key === 'numbers') {
        checkPlace(members, place);
        numbers = scanNumbers(cursor, { pool, builder, refs, shard: place.index, shardCount: place.count });
      } else if (key === 'routes') {
        checkPlace(members, place);
        routes = scanRoutes(cursor, pool, place.index, place.count);
      } else members.set(key, cursor.value());
    } while (cursor.more(0x7d));
  }
  cursor.end();
  if (!numbers) throw new RoutingFormatError('numbers: missing');

  const parsed = envelope.safeParse(Object.fromEntries(members));
  if (!parsed.success) throw new RoutingFormatError(schemaProblem(parsed.error));
  const shard = parsed.data;
  checkPlace(members, place);
  if (shard.index === 0 && !shard.core) throw new RoutingFormatError('shard 0 has no core tables');
  if (shard.index !== 0 && shard.core) throw new RoutingFormatError('core tables outside shard 0');
  const accounts = new Map<string, AccountRoute>();
  for (const [name, account] of Object.entries(shard.accounts)) {
    if (shardOf(name, place.count) !== place.index) throw new RoutingFormatError(`accounts["${name}"]: belongs in shard ${shardOf(name, place.count)}`);
    accounts.set(name, account);
  }
  return { index: place.index, carrier: place.carrier, sha256: place.sha256, pool, numbers, routes: routes ?? new Map(), accounts, core: shard.core ? compileCore(shard.core) : undefined };
}
