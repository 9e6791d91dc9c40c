// How many status writes the background lane keeps in flight: 2 while routing work waits, all it
// may when routing is idle. The writes are held open here so the count in flight can be read;
// what a write sends is covered against the API server by reconcile.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Applier } from '../src/apply/applier.ts';
import { StatusWriter } from '../src/apply/status-writer.ts';
import { operatorMetrics } from '../src/metrics.ts';
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

test('the oldest wait counts from when an object first waited, through newer statuses for it, until it is written', async () => {
  const writes = heldWrites();
  const writer = new StatusWriter(writes.applier, 1, hooks);
  assert.equal(writer.oldestWaitMs(10_000), 0, 'nothing waits');
  // One goes straight into flight; the other two wait behind it.
  writer.submit(updates(3), 1_000);
  assert.equal(writer.backlog, 3);
  assert.equal(writer.oldestWaitMs(4_000), 3_000);
  // A newer status for a waiting object does not restart its clock.
  writer.submit(updates(2, 2).slice(1), 2_500);
  assert.equal(writer.oldestWaitMs(4_000), 3_000);
  while (writer.backlog > 0) {
    writes.releaseAll();
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.equal(writer.oldestWaitMs(4_000), 0, 'all written');
});

test('the backlog and the oldest wait are scraped as metrics', async () => {
  const writes = heldWrites();
  const writer = new StatusWriter(writes.applier, 1, hooks);
  const metrics = operatorMetrics();
  metrics.statusLane.current = writer;
  writer.submit(updates(3), Date.now() - 5_000);
  const text = await metrics.registry.metrics();
  assert.match(text, /^switchyard_status_backlog 3$/m);
  const waited = Number(/^switchyard_status_oldest_wait_seconds (\S+)$/m.exec(text)?.[1]);
  assert.ok(waited >= 5 && waited < 60, `waited ${waited} s`);
  writes.releaseAll();
});

test('a newer status for an object waits for its write in flight, then goes out: the older can never land last', async () => {
  const sent: string[] = [];
  const release: Array<() => void> = [];
  const applier = {
    writeStatus: (_ref: unknown, body: string) => {
      sent.push(body);
      return new Promise<void>((resolve) => release.push(resolve));
    },
  } as unknown as Applier;
  const writer = new StatusWriter(applier, 32, hooks);
  writer.submit(updates(1, 1), 1_000);
  writer.submit(updates(2, 2), 2_000);
  assert.equal(sent.length, 2, 'pn-0 generation 1 and pn-1 go out');
  assert.equal(writer.backlog, 3);
  assert.equal(writer.oldestWaitMs(5_000), 3_000, 'pn-0 generation 2 waits behind its write in flight');
  release.shift()?.();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(sent.length, 3);
  assert.match(sent[2] ?? '', /"name": "pn-0"[\s\S]*"observedGeneration": 2/);
  release.splice(0).forEach((done) => done());
  await writer.idle();
});
