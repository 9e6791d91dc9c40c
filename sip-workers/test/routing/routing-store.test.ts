// The store swaps only to complete, valid generations, keeps the last good one otherwise, and
// says why; objects in flight are waited for before they count as a failure.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { RoutingStore, type RejectionEvent, type SwapEvent } from '../../src/routing/routing-store.ts';
import { changedShardCount, compile, manyNumbers, shardNames, textsOf, voice, withShard } from './fixtures.ts';

const first = textsOf(compile({ numbers: manyNumbers(3000) }));
const second = textsOf(compile({ numbers: { ...manyNumbers(3000), '+8559999999': { type: 'local', enabled: true, voice: voice('https://new.example/') } } }));
const generationOf = (texts: { manifest: string }) => (JSON.parse(texts.manifest) as { generation: string }).generation;

function recorder(store: RoutingStore) {
  const swaps: SwapEvent[] = [];
  const rejections: RejectionEvent[] = [];
  store.onSwap((generation, event) => {
    assert.equal(generation, event.generation);
    swaps.push(event);
  });
  store.onReject((event) => rejections.push(event));
  return { swaps, rejections };
}

test('a corrupt generation leaves the last good one served, with the reason recorded', async () => {
  const store = new RoutingStore({ carrier: 'mekong' });
  const events = recorder(store);
  assert.equal(store.current(), undefined);
  assert.equal(await store.submit(first), 'swapped');
  const [name = ''] = shardNames(first);
  const corrupt = withShard(first, name, '{"format":"switchyard.routing/v1","carrier":"mekong","index":0,"accounts":{},"numbers":{"+1":');
  assert.equal(await store.submit(corrupt), 'rejected');
  assert.equal(store.current()?.generation, generationOf(first));
  assert.ok(store.current()?.number('+8551000001'));
  const status = store.status();
  assert.equal(status.swaps, 1);
  assert.equal(status.rejections, 1);
  assert.equal(status.lastError?.failure, 'invalid');
  assert.equal(status.lastError?.generation, generationOf(corrupt));
  assert.match(status.lastError?.reason ?? '', new RegExp(`^shard ${name}: `));
  assert.deepEqual(events.rejections.map((event) => event.failure), ['invalid']);
  assert.equal(await store.submit(second), 'swapped', 'the next good generation is taken');
  assert.deepEqual(events.swaps.map((event) => [event.previousGeneration, event.generation]), [[undefined, generationOf(first)], [generationOf(first), generationOf(second)]]);
  assert.equal(events.swaps[1]?.compiledShards, changedShardCount(first, second));
  store.close();
});

test('the generation already served is not assembled again', async () => {
  const store = new RoutingStore();
  const events = recorder(store);
  await store.submit(first);
  const served = store.current();
  assert.equal(await store.submit(first), 'unchanged');
  assert.equal(store.current(), served);
  assert.equal(events.swaps.length, 1);
  store.close();
});

test('a manifest ahead of its shards is waited for, and swaps without a failure once they arrive', async () => {
  const store = new RoutingStore({ consistencyGraceMs: 5_000 });
  const events = recorder(store);
  await store.submit(first);
  // The new manifest with the old shards: what a worker sees between two watch events.
  assert.equal(await store.submit({ ...second, shards: first.shards }), 'waiting');
  assert.equal(store.status().waitingFor?.generation, generationOf(second));
  assert.match(store.status().waitingFor?.reason ?? '', /does not match the manifest/);
  assert.equal(await store.submit(second), 'swapped');
  assert.equal(store.status().waitingFor, undefined);
  assert.equal(store.status().rejections, 0);
  assert.equal(events.rejections.length, 0);
  store.close();
});

test('objects still missing after the grace period count as a failure, once', async () => {
  const store = new RoutingStore({ consistencyGraceMs: 150 });
  const events = recorder(store);
  await store.submit(first);
  const [missing = ''] = shardNames(second);
  const incomplete = { ...second, shards: new Map([...second.shards].filter(([name]) => name !== missing)) };
  assert.equal(await store.submit(incomplete), 'waiting');
  assert.equal(await store.submit(incomplete), 'waiting');
  await sleep(300);
  assert.equal(store.status().rejections, 1);
  assert.equal(store.status().lastError?.failure, 'missing');
  assert.match(store.status().lastError?.reason ?? '', new RegExp(`shard ${missing} is missing \\(still after 0.15 s\\)`));
  assert.equal(await store.submit(incomplete), 'rejected', 'the same incomplete generation again');
  assert.equal(store.status().rejections, 1, 'is not counted twice');
  assert.equal(events.rejections.length, 1);
  assert.equal(store.current()?.generation, generationOf(first));
  store.close();
});

test('texts submitted while a generation is being assembled are coalesced to the newest', async () => {
  const store = new RoutingStore();
  const outcomes = await Promise.all([store.submit(first), store.submit(withShard(first, shardNames(first)[0] ?? '', 'not json')), store.submit(second)]);
  assert.deepEqual(outcomes, ['swapped', 'superseded', 'swapped']);
  assert.equal(store.current()?.generation, generationOf(second));
  assert.equal(store.status().rejections, 0);
  store.close();
});

test('a manifest for another carrier is rejected at once', async () => {
  const store = new RoutingStore({ carrier: 'tonle' });
  assert.equal(await store.submit(first), 'rejected');
  assert.equal(store.current(), undefined);
  assert.equal(store.status().lastError?.failure, 'manifest');
  store.close();
});
