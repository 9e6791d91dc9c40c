import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResyncCursor } from '../src/resync-cursor.ts';

test('a resync hands out every key once, a slice per pass, then nothing', () => {
  const cursor = new ResyncCursor(3);
  assert.equal(cursor.done, true);
  cursor.start(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  const passes: string[][] = [];
  while (!cursor.done) passes.push(cursor.next());
  assert.deepEqual(passes, [['a', 'b', 'c'], ['d', 'e', 'f'], ['g']]);
  assert.deepEqual(cursor.next(), []);
});

test('a resync that arrives mid-walk starts the walk over', () => {
  const cursor = new ResyncCursor(2);
  cursor.start(['a', 'b', 'c', 'd']);
  cursor.next();
  cursor.start(['x', 'y', 'z']);
  assert.deepEqual([cursor.next(), cursor.next(), cursor.done], [['x', 'y'], ['z'], true]);
});
