// Replicas' presence on a real redis-server: an announcement lasts its lifetime unless renewed (a
// crashed replica lapses on its own), a stopping replica withdraws only its own (a restarted one at
// the same address keeps its), and a Redis that cannot be asked leaves every replica counted as
// running rather than leaving phones unrung.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { EdgePresence } from '../../src/registrar/edge-presence.ts';
import { RedisBindingStore } from '../../src/registrar/redis-binding-store.ts';
import { redisMissing, startRedisServer } from '../support/redis-server.ts';
import type { RedisServer } from '../support/redis-server.ts';

const log = pino({ level: 'silent' });

describe('replicas\' presence in Redis', { skip: redisMissing, timeout: 30_000 }, () => {
  let redis: RedisServer;
  let store: RedisBindingStore;

  before(async () => {
    redis = await startRedisServer();
    store = new RedisBindingStore({ url: redis.url, log, timeoutMs: 300 });
    await store.ready();
  });
  after(async () => {
    await store.close();
    await redis.stop();
  });

  test('an announcement not renewed lapses after its lifetime', async () => {
    await store.announceEdge('mekong', '10.0.0.1:5060', 'run-1', 300);
    assert.deepEqual(await store.presentEdges('mekong', ['10.0.0.1:5060', '10.0.0.2:5060']), new Set(['10.0.0.1:5060']));
    assert.deepEqual(await store.presentEdges('tonle', ['10.0.0.1:5060']), new Set(), 'another carrier\'s replicas are apart');
    await sleep(450);
    assert.deepEqual(await store.presentEdges('mekong', ['10.0.0.1:5060']), new Set());
  });

  test('a running replica renews its presence; stopping withdraws it at once', async () => {
    const replica = new EdgePresence(store, 'mekong', '10.0.0.3:5060', log, { ttlMs: 300, renewMs: 100 });
    const watcher = new EdgePresence(store, 'mekong', '10.0.0.9:5060', log);
    replica.start();
    await sleep(700);
    assert.deepEqual(await watcher.running(new Set(['10.0.0.3:5060'])), new Set(['10.0.0.3:5060']), 'still present well past one lifetime');
    await replica.stop();
    assert.deepEqual(await watcher.running(new Set(['10.0.0.3:5060', '10.0.0.9:5060'])), new Set(['10.0.0.9:5060']), 'gone at once; a replica always counts itself');
  });

  test('a late withdrawal by an earlier run leaves the restarted replica\'s presence alone', async () => {
    await store.announceEdge('mekong', '10.0.0.4:5060', 'run-2', 5000);
    await store.withdrawEdge('mekong', '10.0.0.4:5060', 'run-1');
    assert.deepEqual(await store.presentEdges('mekong', ['10.0.0.4:5060']), new Set(['10.0.0.4:5060']));
    await store.withdrawEdge('mekong', '10.0.0.4:5060', 'run-2');
    assert.deepEqual(await store.presentEdges('mekong', ['10.0.0.4:5060']), new Set());
  });

  test('when Redis cannot be asked, every replica counts as running', async () => {
    const unreachable = new RedisBindingStore({ url: 'redis://127.0.0.1:1', log, timeoutMs: 200 });
    try {
      const watcher = new EdgePresence(unreachable, 'mekong', '10.0.0.9:5060', log);
      assert.deepEqual(await watcher.running(new Set(['10.0.0.5:5060'])), new Set(['10.0.0.5:5060']));
    } finally {
      await unreachable.close();
    }
  });
});
