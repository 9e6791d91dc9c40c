// How many status writes the background lane keeps in flight: 2 while routing work waits, all it
// may when routing is idle. The writes are held open here so the count in flight can be read;
// what a write sends is covered against the API server by reconcile.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Applier } from '../src/apply/applier.ts';
import { StatusWriter } from '../src/apply/status-writer.ts';
import type { StatusUpdate } from '../src/compile/result.ts';

function heldWrites() {
  let inFlight = 0;
  const release: Array<() => void> = [];
  const applier = {
    writeStatus: () => {
      inFlight++;
      return new Promise<void>((resolve) => release.push(() => {
        inFlight--;
        resolve();
      }));
    },
  } as unknown as Applier;
  return { applier, inFlight: () => inFlight, releaseAll: () => release.splice(0).forEach((done) => done()) };
}

const updates = (count: number, generation = 1): StatusUpdate[] => Array.from({ length: count }, (_, i) => ({
  kind: 'PhoneNumber', namespace: 'mekong', name: `pn-${i}`, uid: `uid-${i}`,
  status: { observedGeneration: generation, conditions: [] },
}));

const hooks = { onWritten: () => undefined, onFailed: () => undefined };

test('while routing work waits, 2 are written at a time', () => {
  const writes = heldWrites();
  const writer = new StatusWriter(writes.applier, 32, hooks);
  writer.yieldToRouting(true);
  writer.submit(updates(50));
  assert.equal(writes.inFlight(), 2);
  writes.releaseAll();
});

test('with routing idle, as many as the configured concurrency', () => {
  const writes = heldWrites();
  const writer = new StatusWriter(writes.applier, 32, hooks);
  writer.submit(updates(50));
  assert.equal(writes.inFlight(), 32);
  writes.releaseAll();
});

test('once routing work no longer waits, the statuses waiting go at full concurrency', () => {
  const writes = heldWrites();
  const writer = new StatusWriter(writes.applier, 32, hooks);
  writer.yieldToRouting(true);
  writer.submit(updates(50));
  writer.yieldToRouting(false);
  assert.equal(writes.inFlight(), 32);
  writes.releaseAll();
});
