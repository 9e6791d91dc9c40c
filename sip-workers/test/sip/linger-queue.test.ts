import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LingerQueue } from '../../src/sip/linger-queue.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + 3000;
  while (!done()) {
    assert.ok(performance.now() < deadline, what);
    await sleep(5);
  }
}

function recorder() {
  const ended: Array<{ name: string; at: number }> = [];
  const started = performance.now();
  const transaction = (name: string) => ({ terminate: () => ended.push({ name, at: performance.now() - started }) });
  return { ended, transaction };
}

test('lingering transactions end after their time, never before, at most a tick late, each once', async () => {
  const queue = new LingerQueue(10);
  const { ended, transaction } = recorder();
  queue.add(transaction('long-a'), 80);
  queue.add(transaction('short'), 30);
  queue.add(transaction('long-b'), 80);
  assert.equal(queue.size, 3);
  await until(() => ended.length === 3, 'all three should end');
  assert.deepEqual(ended.map((e) => e.name), ['short', 'long-a', 'long-b']);
  for (const { name, at } of ended) {
    const wanted = name === 'short' ? 30 : 80;
    // Never early; late by a tick, or by however long a busy machine delays the interval.
    assert.ok(at >= wanted - 1 && at < wanted + 500, `${name} ended at ${at.toFixed(1)} ms for ${wanted}`);
  }
  assert.equal(queue.size, 0);
});

test('zero (a reliable transport) ends on the next turn of the event loop', async () => {
  const queue = new LingerQueue(1000);
  const { ended, transaction } = recorder();
  queue.add(transaction('tcp'), 0);
  assert.equal(ended.length, 0);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(ended.map((e) => e.name), ['tcp']);
});

test('clear() forgets what lingers without ending it (the layer ends its transactions itself)', async () => {
  const queue = new LingerQueue(5);
  const { ended, transaction } = recorder();
  queue.add(transaction('a'), 20);
  queue.clear();
  assert.equal(queue.size, 0);
  await sleep(50);
  assert.equal(ended.length, 0);
});

test('thousands lingering: the queue keeps its order and releases what ended', async () => {
  const queue = new LingerQueue(5);
  const { ended, transaction } = recorder();
  for (let i = 0; i < 3000; i++) queue.add(transaction(String(i)), 10 + (i % 2) * 10);
  await until(() => ended.length === 3000, 'every one should end');
  const evens = ended.filter((e) => Number(e.name) % 2 === 0).map((e) => Number(e.name));
  assert.deepEqual(evens, [...evens].sort((a, b) => a - b), 'in the order they were added');
  assert.equal(queue.size, 0);
});
