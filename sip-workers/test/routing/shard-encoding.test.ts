// Shards travel gzip'd in binaryData (api/routing/shard-data.ts): what the operator writes, a
// worker unzips to the very text the manifest's sha256 vouches for; a value that is not gzip
// never becomes routing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { shardKey } from '../../../api/routing/schema.ts';
import { ShardEncodingError, shardBinaryData, shardGzipKey, shardText } from '../../../api/routing/shard-data.ts';
import { assembleGeneration } from '../../src/routing/generation-assembler.ts';
import { generationTextsFrom, type RoutingObject } from '../../src/routing/routing-objects.ts';
import { compile, manyNumbers, shardNames } from './fixtures.ts';

const compiled = compile({ numbers: manyNumbers(3000) });
const shardObjects = compiled.shards as RoutingObject[];

test('the operator writes each shard gzip\'d in binaryData, a fraction of its JSON, and the same bytes for the same text', () => {
  assert.ok(shardObjects.length > 1, 'several shards');
  for (const shard of shardObjects) {
    assert.equal(shard.data, undefined, 'no plain copy beside it');
    const packed = shard.binaryData?.[shardGzipKey] ?? '';
    const text = shardText(shard) ?? '';
    assert.ok(text.startsWith('{"format":"switchyard.routing/v1"'), 'the shard JSON comes back');
    assert.ok(packed.length * 3 < text.length, `stored ${packed.length} bytes of base64 for ${text.length} bytes of JSON`);
    // A steady state makes no writes only if recompiling gives the very same object.
    assert.equal(shardBinaryData(text)[shardGzipKey], packed);
  }
  const again = compile({ numbers: manyNumbers(3000) });
  assert.deepEqual(again.shards, compiled.shards);
});

test('a worker assembles the generation from the gzip\'d shards', () => {
  const texts = generationTextsFrom([compiled.manifest, ...shardObjects, compiled.workerSecret] as RoutingObject[], 'mekong');
  assert.ok(texts);
  assert.deepEqual([...texts.shards.keys()], shardNames(texts));
  const assembly = assembleGeneration(texts, { carrier: 'mekong' });
  assert.ok(assembly.ok, assembly.ok ? '' : assembly.reason);
  assert.equal(assembly.table.number('+8551000042')?.account, 'kampot');
});

test('a shard written as plain text in data still reads; binaryData wins when both are there', () => {
  assert.equal(shardText({ data: { [shardKey]: '{"plain":true}' } }), '{"plain":true}');
  assert.equal(shardText({ data: { [shardKey]: '{"plain":true}' }, binaryData: shardBinaryData('{"packed":true}') }), '{"packed":true}');
  assert.equal(shardText({ data: {} }), undefined);
  assert.equal(shardText({}), undefined);
});

test('binaryData that is not gzip is refused with the reason, and the generation it belongs to does not assemble', () => {
  const [first, ...rest] = shardObjects;
  assert.ok(first);
  const broken: RoutingObject = { ...first, binaryData: { [shardGzipKey]: Buffer.from('{"format":"switchyard.routing/v1"}').toString('base64') } };
  assert.throws(() => shardText(broken), (error: unknown) => error instanceof ShardEncodingError && /binaryData\["shard\.json\.gz"\] does not unzip: .*header/.test(error.message));
  const texts = generationTextsFrom([compiled.manifest, broken, ...rest, compiled.workerSecret] as RoutingObject[], 'mekong');
  assert.ok(texts);
  const assembly = assembleGeneration(texts, { carrier: 'mekong' });
  assert.equal(assembly.ok, false);
  assert.deepEqual(assembly.ok ? undefined : [assembly.failure, assembly.reason], ['missing', `shard ${first.metadata?.name} is missing`]);
});

test('a shard that would unzip to more than 32 MiB is refused before it takes the memory', () => {
  // 40 MiB of zeros gzip to ~40 KB: a value a ConfigMap could hold.
  const bomb = { binaryData: { [shardGzipKey]: gzipSync(Buffer.alloc(40 * 2 ** 20)).toString('base64') } };
  assert.throws(() => shardText(bomb), (error: unknown) => error instanceof ShardEncodingError && /does not unzip: .*(buffer|length)/i.test(error.message));
});
