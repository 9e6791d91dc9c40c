import assert from 'node:assert/strict';
import { test } from 'node:test';
import { heapLimitEnv, quantityBytes } from '../../src/compile/workloads/heap-limit.ts';

test('quantities in bytes: binary and decimal suffixes, fractions, exponents, plain numbers', () => {
  assert.equal(quantityBytes('512Mi'), 512 * 2 ** 20);
  assert.equal(quantityBytes('1.5Gi'), 1.5 * 2 ** 30);
  assert.equal(quantityBytes('1G'), 1e9);
  assert.equal(quantityBytes('2e9'), 2e9);
  assert.equal(quantityBytes('128974848'), 128974848);
  assert.equal(quantityBytes(536870912), 536870912);
  assert.equal(quantityBytes('lots'), undefined);
});

test('the worker heap is 70% of its memory limit, at least 64 MiB, and left to Node without a limit', () => {
  assert.deepEqual(heapLimitEnv('512Mi'), [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=358' }]);
  assert.deepEqual(heapLimitEnv('2Gi'), [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=1433' }]);
  assert.deepEqual(heapLimitEnv('64Mi'), [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=64' }]);
  assert.deepEqual(heapLimitEnv(undefined), []);
});
