import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bulkImportNumbers, bulkPause } from '../src/bulk-pause.ts';

test('a pass of thousands of new numbers that rewrote most shards pauses as long as its writes took, at most 10 s', () => {
  assert.equal(bulkPause({ written: 400, desired: 530, newNumbers: 5_000, applyMs: 2_500 }), 2_500);
  assert.equal(bulkPause({ written: 530, desired: 530, newNumbers: 90_000, applyMs: 40_000 }), 10_000);
});

test('edits never pause, even when a slow pass gathered enough of them to touch most shards', () => {
  assert.equal(bulkPause({ written: 400, desired: 530, newNumbers: 0, applyMs: 3_000 }), 0);
  assert.equal(bulkPause({ written: 400, desired: 530, newNumbers: bulkImportNumbers - 1, applyMs: 3_000 }), 0);
});

test('many new numbers that touched few shards (a small carrier among large ones) do not pause', () => {
  assert.equal(bulkPause({ written: 20, desired: 530, newNumbers: 2_000, applyMs: 800 }), 0);
});
