// A worker follows its carrier's routing through the real API server, with only the permissions
// the operator gives workers: the first generation, an edit that costs one shard read, a corrupt
// shard that must not replace the generation served (also one that is not gzip), and a manifest
// that outruns its shard.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testCluster } from '../../../testing/cluster.ts';
import { startKubeRoutingSource } from '../../src/routing/kube-source.ts';
import { RoutingStore } from '../../src/routing/routing-store.ts';
import { changedShardCount, compile, manyNumbers, shardNames, textsOf, voice, withShard } from './fixtures.ts';
import { publish, publishTexts, workerApiClient } from './worker-identity.ts';

const cluster = await testCluster();
const namespace = await cluster.namespace('routing-watch');

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const numbers = manyNumbers(9000);
const first = compile({ numbers });
const edited = { ...numbers, '+8551000042': { type: 'mobile' as const, enabled: true, account: 'kampot', voice: voice('https://edited.example/') } };
const second = compile({ numbers: edited });
const third = compile({ numbers: { ...edited, '+8551000043': { type: 'local', enabled: false } } });

test('a worker serves what the operator publishes, follows edits, keeps its generation over a corrupt shard and waits for a late one', async () => {
  assert.ok(first.shards.length > 2, `${first.shards.length} shards`);
  const client = await workerApiClient(cluster, namespace, 'mekong', first.shards.length);
  await publish(cluster, namespace, first);

  const store = new RoutingStore({ carrier: 'mekong', consistencyGraceMs: 3000 });
  const generations: string[] = [];
  store.onSwap((generation) => generations.push(generation));
  const source = startKubeRoutingSource({ client, namespace, carrier: 'mekong', store, backoff: { initialMs: 100, maxMs: 1000 } });
  try {
    await until('generation 1', () => store.current()?.generation === first.generation);
    assert.deepEqual(store.current()?.number('+8551000042'), numbers['+8551000042']);
    assert.deepEqual(source.status(), { objects: first.shards.length + 1, reads: first.shards.length + 1 });

    await publish(cluster, namespace, second);
    await until('generation 2', () => store.current()?.generation === second.generation);
    assert.deepEqual(store.current()?.number('+8551000042'), edited['+8551000042']);
    assert.equal(source.status().reads, first.shards.length + 1 + changedShardCount(textsOf(first), textsOf(second)), 'only the shards the edit changed are read again');

    const texts = textsOf(second);
    const [name = ''] = shardNames(texts);
    const corrupt = withShard(texts, name, `${texts.shards.get(name)?.slice(0, 1000) ?? ''}`);
    await publishTexts(cluster, namespace, 'mekong', corrupt);
    await until('the corrupt generation to be rejected', () => store.status().rejections > 0);
    assert.equal(store.current()?.generation, second.generation, 'generation 2 is still served');
    assert.equal(store.status().lastError?.generation, (JSON.parse(corrupt.manifest) as { generation: string }).generation);
    assert.match(store.status().lastError?.reason ?? '', new RegExp(`^shard ${name}: `));
    assert.deepEqual(generations, [first.generation, second.generation]);

    // A manifest that arrives before its shard: read again until the shard matches.
    await publish(cluster, namespace, third, { manifestFirst: true, lagMs: 1500 });
    await until('generation 3', () => store.current()?.generation === third.generation);
    assert.equal(store.status().rejections, 1, 'waiting for a late shard is no failure');
    assert.deepEqual(generations, [first.generation, second.generation, third.generation]);
  } finally {
    source.stop();
    store.close();
  }
});

test('the manifest watch outlives the server ending it and the manifest being deleted and recreated', async () => {
  const ns = await cluster.namespace('routing-rewatch');
  const client = await workerApiClient(cluster, ns, 'mekong', first.shards.length);
  await publish(cluster, ns, first);
  const store = new RoutingStore({ carrier: 'mekong' });
  // The server ends every watch request after a second; each is resumed from the last version seen.
  const source = startKubeRoutingSource({ client, namespace: ns, carrier: 'mekong', store, watchSeconds: 1, backoff: { initialMs: 100, maxMs: 1000 } });
  try {
    await until('generation 1', () => store.current()?.generation === first.generation);
    await new Promise((resolve) => setTimeout(resolve, 3500));
    await publish(cluster, ns, second);
    await until('generation 2 after several renewed watches', () => store.current()?.generation === second.generation, 5000);

    await cluster.kubectlOk(['delete', 'configmap', 'mekong-routing', '-n', ns]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(store.current()?.generation, second.generation, 'a deleted manifest changes nothing served');
    await publish(cluster, ns, third);
    await until('generation 3 from the recreated manifest', () => store.current()?.generation === third.generation, 5000);
    assert.equal(store.status().rejections, 0);
  } finally {
    source.stop();
    store.close();
  }
});

test('a shard whose binaryData is not gzip is logged and never served; the worker keeps its generation until a readable one comes', async () => {
  const ns = await cluster.namespace('routing-unzip');
  const client = await workerApiClient(cluster, ns, 'mekong', first.shards.length);
  await publish(cluster, ns, first);
  const store = new RoutingStore({ carrier: 'mekong', consistencyGraceMs: 1000 });
  const warnings: Array<{ fields: object; message: string | undefined }> = [];
  const logger = { info: () => {}, error: () => {}, warn: (fields: object, message?: string) => warnings.push({ fields, message }) };
  const source = startKubeRoutingSource({ client, namespace: ns, carrier: 'mekong', store, logger, backoff: { initialMs: 100, maxMs: 500 } });
  try {
    await until('generation 1', () => store.current()?.generation === first.generation);
    // The operator's objects for generation 2, the one shard it changed holding JSON that is not
    // gzip'd (the worker reads only shards whose checksum it does not hold already).
    const changed = second.shards.findIndex((shard, index) => JSON.stringify(shard) !== JSON.stringify(first.shards[index]));
    const shard = second.shards[changed];
    assert.ok(shard);
    const unzipped = { ...shard, binaryData: { 'shard.json.gz': Buffer.from('{"format":"switchyard.routing/v1"}').toString('base64') } };
    await publish(cluster, ns, { ...second, shards: second.shards.map((each, index) => (index === changed ? unzipped : each)) });
    await until('the unreadable generation to be rejected', () => store.status().rejections > 0);
    assert.equal(store.current()?.generation, first.generation, 'generation 1 is still served');
    assert.equal(store.status().lastError?.reason, `shard ${shard.metadata.name} is missing (still after 1 s)`);
    const warning = warnings.find((entry) => entry.message === 'routing shard is unreadable');
    assert.ok(warning, 'the worker says which shard it cannot read');
    assert.equal((warning.fields as { shard?: string }).shard, shard.metadata.name);

    await publish(cluster, ns, third);
    await until('generation 3', () => store.current()?.generation === third.generation);
  } finally {
    source.stop();
    store.close();
  }
});
