// Numbers name their routes by key and the routes live in whichever shard the key hashes to: a
// generation is served only when every key a number names is defined, and a shard that did not
// change is read again when a route it uses changed elsewhere.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NumberRoute, RoutingShard } from '../../../api/routing/schema.ts';
import { routeKeyOf } from '../../../operator/src/compile/route-dictionary.ts';
import { CarrierRouting } from '../../../operator/src/compile/routing.ts';
import { assembleGeneration, type Assembly, type GenerationTexts } from '../../src/routing/generation-assembler.ts';
import type { RoutingTable } from '../../src/routing/routing-table.ts';
import { carrierObject, carrierTables, compile, manyNumbers, shardNames, textsOf, voice, withShard } from './fixtures.ts';

// Five numbers share a route of their own, so most shards do not use it.
const rare = { type: 'local' as const, enabled: true, account: 'takeo', voice: { url: 'https://takeo.example/rare', method: 'POST' as const } };
const numbers = { ...manyNumbers(9000), ...Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`+85523${i}00000`, rare])) };
const texts = textsOf(compile({ numbers }));

function tableOf(assembly: Assembly): RoutingTable {
  assert.ok(assembly.ok, assembly.ok ? '' : assembly.reason);
  return assembly.table;
}

/** The rare route's key, the shard defining it, and the numbers in other shards naming it. */
function sharedRoute(generation: GenerationTexts) {
  const shards = shardNames(generation).map((name) => ({ name, shard: JSON.parse(generation.shards.get(name) ?? '') as RoutingShard }));
  for (const { name, shard } of shards) {
    for (const [key, route] of Object.entries(shard.routes ?? {})) {
      if (route.voice?.url !== rare.voice.url) continue;
      const users = shards.filter((other) => other.name !== name).flatMap((other) => Object.entries(other.shard.numbers).filter(([, value]) => value === key).map(([number]) => number));
      assert.ok(users.length > 0, 'numbers in other shards name the rare route');
      return { key, name, shard, users };
    }
  }
  throw new Error('the rare route is in no shard');
}

test('the operator writes each shared route once and numbers name it by key', () => {
  const shards = shardNames(texts).map((name) => JSON.parse(texts.shards.get(name) ?? '') as RoutingShard);
  const routes = shards.flatMap((shard) => Object.keys(shard.routes ?? {}));
  assert.equal(routes.length, 8, 'the seven voice URLs of manyNumbers and the rare one, once each');
  assert.ok(shards.every((shard) => Object.values(shard.numbers).every((value) => typeof value === 'string')));
  const routing = tableOf(assembleGeneration(texts));
  for (const number of ['+8551000000', '+8551004321', '+8551008999', '+85523200000']) assert.deepEqual(routing.number(number), numbers[number]);
});

test('a generation whose numbers name a route no shard defines is refused, naming the key', () => {
  const { key, name, shard } = sharedRoute(texts);
  const routes = { ...shard.routes };
  delete routes[key];
  const result = assembleGeneration(withShard(texts, name, JSON.stringify({ ...shard, routes })));
  assert.ok(!result.ok);
  assert.equal(result.failure, 'invalid');
  assert.match(result.reason, new RegExp(`a number refers to route ${key}, which shard ${name} does not define`));
});

test('a route dropped from its shard while unchanged shards still name it refuses the generation, though those shards are reused', () => {
  const previous = tableOf(assembleGeneration(texts));
  const { key, name, shard } = sharedRoute(texts);
  const routes = { ...shard.routes };
  delete routes[key];
  const result = assembleGeneration(withShard(texts, name, JSON.stringify({ ...shard, routes })), { previous });
  assert.ok(!result.ok, 'the unchanged shards naming the dropped route are read again');
  assert.match(result.reason, new RegExp(`refers to route ${key}`));
});

test('a route redefined in its shard reaches the numbers of unchanged shards that name it', () => {
  const previous = tableOf(assembleGeneration(texts));
  const { key, name, shard, users } = sharedRoute(texts);
  const redefined = { type: 'local' as const, enabled: false, account: 'kampot', voice: { url: 'https://redefined.example/', method: 'GET' as const } };
  const next = withShard(texts, name, JSON.stringify({ ...shard, routes: { ...shard.routes, [key]: redefined } }));
  const assembly = assembleGeneration(next, { previous });
  const routing = tableOf(assembly);
  assert.ok(assembly.ok && assembly.reusedShards > 0, 'shards not naming the route are still reused');
  for (const number of users) assert.deepEqual(routing.number(number), redefined, number);
  const fresh = tableOf(assembleGeneration(next));
  for (const number of Object.keys(numbers)) assert.deepEqual(routing.number(number), fresh.number(number), number);
});

test('shared routes whose keys collide are written in place, the worker routes every number right, and edits give what a fresh compile gives', () => {
  // Every route naming "collide" gets the same key, as two texts crafted to share 64 bits of sha256 would.
  const keyOf = (text: string) => (text.includes('collide') ? 'c011c011c011c011' : routeKeyOf(text));
  const route = (url: string): NumberRoute => ({ type: 'local', enabled: true, account: 'kampot', voice: voice(url) });
  // Each route shared by two numbers, so each would be in the dictionary.
  const start = new Map<string, NumberRoute>([
    ['+8551000001', route('https://a.example/collide-1')],
    ['+8551000011', route('https://a.example/collide-1')],
    ['+8551000002', route('https://a.example/collide-2')],
    ['+8551000012', route('https://a.example/collide-2')],
    ['+8551000003', route('https://a.example/plain')],
    ['+8551000013', route('https://a.example/plain')],
  ]);
  const routing = new CarrierRouting(keyOf);
  routing.sync(start, 'all');
  const compileWith = (target: CarrierRouting) => textsOf(target.compile(carrierObject(), carrierTables(), {}));
  const fresh = (numbersNow: ReadonlyMap<string, NumberRoute>) => {
    const again = new CarrierRouting(keyOf);
    again.sync(numbersNow, 'all');
    return compileWith(again);
  };
  const written = (generation: GenerationTexts) => {
    const shards = shardNames(generation).map((name) => JSON.parse(generation.shards.get(name) ?? '') as RoutingShard);
    return { numbers: Object.assign({}, ...shards.map((shard) => shard.numbers)) as RoutingShard['numbers'], keys: shards.flatMap((shard) => Object.keys(shard.routes ?? {})) };
  };
  const served = (generation: GenerationTexts, numbersNow: ReadonlyMap<string, NumberRoute>) => {
    const table = tableOf(assembleGeneration(generation));
    for (const [number, expected] of numbersNow) assert.deepEqual(table.number(number), expected, number);
  };

  const first = compileWith(routing);
  assert.deepEqual(written(first).numbers['+8551000001'], start.get('+8551000001'), 'a colliding route is written in place');
  assert.deepEqual(written(first).numbers['+8551000012'], start.get('+8551000012'));
  assert.equal(typeof written(first).numbers['+8551000003'], 'string', 'other shared routes are still named by key');
  assert.ok(!written(first).keys.includes('c011c011c011c011'), 'the colliding key is in no dictionary');
  served(first, start);
  assert.deepEqual(first, fresh(start));

  // collide-2 is left to one number, so in place anyway: the key is collide-1's alone again.
  const after = new Map(start);
  after.delete('+8551000012');
  routing.sync(after, new Set(['+8551000012']));
  const second = compileWith(routing);
  assert.equal(written(second).numbers['+8551000001'], 'c011c011c011c011');
  assert.deepEqual(written(second).numbers['+8551000002'], start.get('+8551000002'));
  served(second, after);
  assert.deepEqual(second, fresh(after));

  // And back: collide-2 shared again puts both in place again.
  routing.sync(start, new Set(['+8551000012']));
  const third = compileWith(routing);
  assert.deepEqual(third, first);
});
