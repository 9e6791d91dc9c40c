// The worker looks a number up in the one shard the operator put it in, so both must hash alike.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shardIndex } from '../../../operator/src/compile/routing.ts';
import { shardOf } from '../../src/routing/shard-placement.ts';

test('the worker places numbers and accounts in the same shard as the operator', () => {
  const keys = ['', '+8551000000', '911', 'kampot-pepper', 'é', '😀', ...Array.from({ length: 5000 }, (_, i) => `+855${(i * 7919).toString().padStart(8, '0')}`)];
  for (const count of [1, 2, 4, 64, 512, 4096]) {
    for (const key of keys) assert.equal(shardOf(key, count), shardIndex(key, count), `${key} over ${count} shards`);
  }
});
