// Assembling a generation from the texts the operator writes: every checksum verified, every shard
// in its place, unchanged shards reused, and a one-number edit compiling one shard.
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { test } from 'node:test';
import { assembleGeneration, assembleGenerationGradually, type Assembly, type GenerationTexts } from '../../src/routing/generation-assembler.ts';
import type { RoutingTable } from '../../src/routing/routing-table.ts';
import { changedShardCount, compile, manyNumbers, shardNames, textsOf, voice, withShard } from './fixtures.ts';

const numbers = manyNumbers(9000);
const texts = textsOf(compile({ numbers }));
const names = shardNames(texts);

function table(assembly: Assembly): RoutingTable {
  assert.ok(assembly.ok, assembly.ok ? '' : assembly.reason);
  return assembly.table;
}

function failure(assembly: Assembly): { failure: string; reason: string } {
  assert.ok(!assembly.ok, 'expected the generation to be refused');
  return { failure: assembly.failure, reason: assembly.reason };
}

test('the operator\'s texts assemble into the generation its manifest names', () => {
  assert.ok(names.length >= 2, `${names.length} shards`);
  const routing = table(assembleGeneration(texts, { carrier: 'mekong' }));
  assert.equal(routing.generation, (JSON.parse(texts.manifest) as { generation: string }).generation);
  assert.equal(routing.carrierName, 'mekong');
  assert.equal(routing.numberCount, 9000);
});

test('a shard whose text is not the one the manifest hashed is a checksum failure', () => {
  const [first = ''] = names;
  const stale = { ...texts, shards: new Map([...texts.shards, [first, (texts.shards.get(first) ?? '').replace('"enabled":true', '"enabled":false')]]) };
  const { failure: kind, reason } = failure(assembleGeneration(stale));
  assert.equal(kind, 'checksum');
  assert.match(reason, new RegExp(`shard ${first} does not match the manifest`));
});

test('a shard or Secret the manifest names but nobody provides is missing', () => {
  const [, second = ''] = names;
  const withoutShard = { ...texts, shards: new Map([...texts.shards].filter(([name]) => name !== second)) };
  assert.deepEqual(failure(assembleGeneration(withoutShard)), { failure: 'missing', reason: `shard ${second} is missing` });
  assert.deepEqual(failure(assembleGeneration({ ...texts, secrets: undefined })), { failure: 'missing', reason: 'Secret mekong-worker-secrets is missing' });
});

test('contents that match their checksum but are not a valid shard are invalid, naming the shard', () => {
  const [first = ''] = names;
  const truncated = (texts.shards.get(first) ?? '').slice(0, 5000);
  const { failure: kind, reason } = failure(assembleGeneration(withShard(texts, first, truncated)));
  assert.equal(kind, 'invalid');
  assert.match(reason, new RegExp(`^shard ${first}: `));
  const wrongCarrier = (texts.shards.get(first) ?? '').replace('"carrier":"mekong"', '"carrier":"tonle"');
  assert.match(failure(assembleGeneration(withShard(texts, first, wrongCarrier))).reason, /belongs to carrier "tonle"/);
});

test('a manifest listing shards out of order, for another carrier, or unreadable is refused', () => {
  const manifest = JSON.parse(texts.manifest) as { shards: unknown[] };
  const swapped = JSON.stringify({ ...manifest, shards: [...manifest.shards].reverse() });
  assert.match(failure(assembleGeneration({ ...texts, manifest: swapped })).reason, /says it is shard \d+ but the manifest lists it as shard 0/);
  assert.deepEqual(failure(assembleGeneration(texts, { carrier: 'tonle' })), { failure: 'manifest', reason: 'manifest is for carrier "mekong", this worker serves "tonle"' });
  assert.equal(failure(assembleGeneration({ ...texts, manifest: '{"format":' })).failure, 'manifest');
  assert.match(failure(assembleGeneration({ ...texts, manifest: JSON.stringify({ ...manifest, format: 'v0' }) })).reason, /^manifest: format/);
});

test('after a one-number edit only the shards it changed are compiled (its number\'s, its new route\'s); the table equals a fresh one', () => {
  const previous = table(assembleGeneration(texts));
  const edited = { ...numbers, '+8551000042': { type: 'mobile' as const, enabled: false, account: 'kampot', voice: voice('https://moved.example/') } };
  const next = textsOf(compile({ numbers: edited }));
  const assembly = assembleGeneration(next, { previous });
  const incremental = table(assembly);
  assert.ok(assembly.ok);
  const changed = changedShardCount(texts, next);
  assert.ok(changed >= 1 && changed <= 2, `${changed} shards changed`);
  assert.equal(assembly.compiledShards, changed);
  assert.equal(assembly.reusedShards, names.length - changed);
  assert.equal(incremental.pool, previous.pool, 'the pool carries over');
  const fresh = table(assembleGeneration(next));
  for (const number of Object.keys(edited)) assert.deepEqual(incremental.number(number), fresh.number(number), number);
  assert.deepEqual(incremental.number('+8551000042'), edited['+8551000042']);
  assert.deepEqual(previous.number('+8551000042'), numbers['+8551000042'], 'the previous table is untouched');
});

test('assembling gradually lets the event loop run between shards and builds the same table', async () => {
  let turns = 0;
  let running = true;
  const spin = async () => {
    while (running) {
      await nextTurn();
      turns++;
    }
  };
  const spinning = spin();
  const gradual = table(await assembleGenerationGradually(texts, { sliceMs: 0 }));
  running = false;
  await spinning;
  assert.ok(turns >= names.length, `${turns} turns of the event loop during ${names.length} shards`);
  const direct = table(assembleGeneration(texts));
  for (const number of Object.keys(numbers).slice(0, 2000)) assert.deepEqual(gradual.number(number), direct.number(number));
});

test('a pool mostly holding routes of numbers long gone is replaced by a fresh one', () => {
  const unique = (count: number): GenerationTexts => textsOf(compile({ numbers: Object.fromEntries(Array.from({ length: count }, (_, i) => [`+8552${String(i).padStart(6, '0')}`, { type: 'local', enabled: true, voice: voice(`https://own.example/${i}`) }])) }));
  const first = table(assembleGeneration(unique(12_000)));
  assert.equal(first.pool.routeCount, 12_000);
  const shrunk = table(assembleGeneration(unique(100), { previous: first }));
  assert.notEqual(shrunk.pool, first.pool);
  assert.equal(shrunk.pool.routeCount, 100);
  const grown = table(assembleGeneration(unique(150), { previous: shrunk }));
  assert.equal(grown.pool, shrunk.pool, 'a little garbage is no reason to start over');
});
