// The binding store on a real redis-server: CSeq ordering, removal, the per-user cap, expiry by
// Redis's TTL and by the check on read, no lost update when two replicas write one AOR at once,
// and a Redis that goes away and comes back (with its script cache empty).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from '@redis/client';
import pino from 'pino';
import type { AddressOfRecord, Binding } from '../../src/registrar/binding.ts';
import { BindingStoreUnavailable } from '../../src/registrar/binding-store.ts';
import type { BindingUpdate } from '../../src/registrar/binding-store.ts';
import { RedisBindingStore } from '../../src/registrar/redis-binding-store.ts';
import { redisMissing, startRedisServer } from '../support/redis-server.ts';
import type { RedisServer } from '../support/redis-server.ts';

const log = pino({ level: 'silent' });
let aorCount = 0;
const newAor = (): AddressOfRecord => ({ carrier: 'mekong', domain: 'kampot.sip-ap.sip.test', user: `agent-${++aorCount}` });

const binding = (id: string, callId = 'call-1', cseq = 1, extra: Partial<Binding> = {}): Binding => ({
  id, contact: `<${id}>`, uri: id, callId, cseq, natted: false,
  flow: { transport: 'udp', address: '127.0.0.1', port: 5062, edge: '127.0.0.1:5060' },
  ...extra,
});

const update = (changes: Array<[Binding, number]>, callId = 'call-1', cseq = 1, extra: Partial<BindingUpdate> = {}): BindingUpdate => ({
  callId, cseq, removeAll: false, maxBindings: 10, changes: changes.map(([b, seconds]) => ({ binding: b, seconds })), ...extra,
});

const ids = (bindings: ReadonlyArray<{ id: string }>) => bindings.map((b) => b.id).sort();

describe('Redis binding store', { skip: redisMissing, timeout: 60_000 }, () => {
  let redis: RedisServer;
  let store: RedisBindingStore;
  let raw: ReturnType<typeof createClient>;

  before(async () => {
    redis = await startRedisServer();
    store = new RedisBindingStore({ url: redis.url, log });
    await store.ready();
    raw = createClient({ url: redis.url });
    await raw.connect();
  });
  after(async () => {
    await store.close();
    raw.destroy();
    await redis.stop();
  });

  test('an update stores every Contact with its own expiry; the hash lives as long as its longest binding', async () => {
    const aor = newAor();
    const result = await store.update(aor, update([[binding('sip:a@10.0.0.1'), 60], [binding('sip:b@10.0.0.2', 'call-1', 1, { q: 0.5, push: { provider: 'apns', prid: 'tok' } }), 300]]));
    assert.ok(result.ok);
    assert.deepEqual(ids(result.bindings), ['sip:a@10.0.0.1', 'sip:b@10.0.0.2']);
    const b = (await store.lookup(aor)).find((x) => x.id === 'sip:b@10.0.0.2');
    assert.equal(b?.expiresIn, 300);
    assert.equal(b?.q, 0.5);
    assert.deepEqual(b?.push, { provider: 'apns', prid: 'tok' });
    const ttl = await raw.pTTL(store.key(aor));
    assert.ok(ttl > 299_000 && ttl <= 300_000, `PTTL ${ttl}`);
  });

  test('a REGISTER older than the binding (same Call-ID, CSeq not higher) changes nothing; another Call-ID may', async () => {
    const aor = newAor();
    assert.ok((await store.update(aor, update([[binding('sip:a@h', 'c1', 5), 60]], 'c1', 5))).ok);
    const stale = await store.update(aor, update([[binding('sip:a@h', 'c1', 5), 0], [binding('sip:z@h', 'c1', 5), 60]], 'c1', 5));
    assert.deepEqual(stale, { ok: false, reason: 'out-of-order', bindingId: 'sip:a@h' });
    assert.deepEqual(ids(await store.lookup(aor)), ['sip:a@h'], 'the whole update was refused, the new Contact included');
    const older = await store.update(aor, update([[binding('sip:a@h', 'c1', 4), 0]], 'c1', 4));
    assert.equal(older.ok, false);
    const rebooted = await store.update(aor, update([[binding('sip:a@h', 'c2', 1), 120]], 'c2', 1));
    assert.ok(rebooted.ok);
    assert.equal(rebooted.bindings[0]?.expiresIn, 120);
  });

  test('expires 0 removes one binding; * removes all, but only with a higher CSeq than each binding of its Call-ID', async () => {
    const aor = newAor();
    await store.update(aor, update([[binding('sip:a@h', 'c1', 1), 60], [binding('sip:b@h', 'c1', 1), 60], [binding('sip:c@h', 'c9', 7), 60]], 'c1', 1));
    const removed = await store.update(aor, update([[binding('sip:a@h', 'c1', 2), 0]], 'c1', 2));
    assert.ok(removed.ok);
    assert.deepEqual(ids(removed.bindings), ['sip:b@h', 'sip:c@h']);
    assert.equal((await store.update(aor, update([], 'c9', 7, { removeAll: true }))).ok, false, 'c9 CSeq 7 is not above the stored 7');
    const all = await store.update(aor, update([], 'c9', 8, { removeAll: true }));
    assert.deepEqual(all, { ok: true, bindings: [] });
    assert.equal(await raw.exists(store.key(aor)), 0);
  });

  test('more bindings than the cap is refused as a whole; refreshing existing ones is not counted twice', async () => {
    const aor = newAor();
    const cap = { maxBindings: 2 };
    assert.ok((await store.update(aor, update([[binding('sip:a@h'), 60], [binding('sip:b@h'), 60]], 'c1', 1, cap))).ok);
    assert.deepEqual(await store.update(aor, update([[binding('sip:c@h'), 60]], 'c1', 2, cap)), { ok: false, reason: 'too-many-bindings' });
    assert.ok((await store.update(aor, update([[binding('sip:a@h'), 90], [binding('sip:b@h'), 90]], 'c1', 3, cap))).ok);
    assert.ok((await store.update(aor, update([[binding('sip:a@h'), 0], [binding('sip:c@h'), 60]], 'c1', 4, cap))).ok, 'one leaves as one comes');
    assert.deepEqual(ids(await store.lookup(aor)), ['sip:b@h', 'sip:c@h']);
  });

  test('a binding is gone once its time is up: skipped on read before Redis drops it, and the AOR expires with its last binding', async () => {
    const aor = newAor();
    await store.update(aor, update([[binding('sip:short@h'), 1], [binding('sip:long@h'), 2]]));
    await new Promise((resolve) => setTimeout(resolve, 1150));
    assert.deepEqual(ids(await store.lookup(aor)), ['sip:long@h']);
    assert.equal(await raw.hLen(store.key(aor)), 2, 'the expired field is still in the hash: the read check is what hid it');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.deepEqual(await store.lookup(aor), []);
    assert.equal(await raw.exists(store.key(aor)), 0, 'Redis dropped the AOR on its TTL');
  });

  test('a field this worker cannot read is skipped, and deleted by the next write', async () => {
    const aor = newAor();
    await store.update(aor, update([[binding('sip:a@h'), 60]]));
    await raw.hSet(store.key(aor), 'junk', '{not json');
    await raw.hSet(store.key(aor), 'old-format', JSON.stringify({ id: 'old-format', expiresAt: Date.now() + 60_000 }));
    assert.deepEqual(ids(await store.lookup(aor)), ['sip:a@h']);
    await store.update(aor, update([[binding('sip:b@h'), 60]], 'call-1', 2));
    assert.equal(await raw.hExists(store.key(aor), 'junk'), 0);
  });

  test('a closed flow takes its own bindings with it: not a push binding, not one that moved to another flow or came through another worker', async () => {
    const aor = newAor();
    const closed = { transport: 'tls' as const, address: '198.51.100.7', port: 40001, edge: '127.0.0.1:5061' };
    await store.update(aor, update([
      [binding('sip:desk@h', 'call-1', 1, { flow: closed }), 60],
      [binding('sip:second-line@h', 'call-1', 1, { flow: closed }), 120],
      [binding('sip:app@h', 'call-1', 1, { flow: closed, push: { provider: 'apns', prid: 'token' } }), 300],
      [binding('sip:moved@h', 'call-1', 1, { flow: { ...closed, port: 40002 } }), 60],
      [binding('sip:other-worker@h', 'call-1', 1, { flow: { ...closed, edge: '127.0.0.2:5061' } }), 60],
      [binding('sip:udp@h', 'call-1', 1, { flow: { ...closed, transport: 'udp' } }), 60],
    ]));
    assert.equal(await store.removeFlow(aor, closed), 2);
    assert.deepEqual(ids(await store.lookup(aor)), ['sip:app@h', 'sip:moved@h', 'sip:other-worker@h', 'sip:udp@h']);
    assert.equal(await store.removeFlow(aor, closed), 0, 'a second removal finds nothing');
    const ttl = await raw.pTTL(store.key(aor));
    assert.ok(ttl > 299_000 && ttl <= 300_000, `the hash keeps the TTL of its longest binding: PTTL ${ttl}`);

    const alone = newAor();
    await store.update(alone, update([[binding('sip:only@h', 'call-1', 1, { flow: closed }), 60]]));
    assert.equal(await store.removeFlow(alone, closed), 1);
    assert.equal(await raw.exists(store.key(alone)), 0, 'an AOR left without bindings is deleted, not left with its old TTL');
  });

  test('two replicas registering Contacts of one AOR at the same time lose none of them', async () => {
    const aor = newAor();
    const other = new RedisBindingStore({ url: redis.url, log });
    await other.ready();
    try {
      const writes = Array.from({ length: 100 }, (_, i) => {
        const replica = i % 2 === 0 ? store : other;
        return replica.update(aor, update([[binding(`sip:phone-${i}@h`, `call-${i}`), 60]], `call-${i}`, 1, { maxBindings: 1000 }));
      });
      const results = await Promise.all(writes);
      assert.ok(results.every((result) => result.ok));
      assert.equal((await other.lookup(aor)).length, 100);
    } finally {
      await other.close();
    }
  });

  test('a Redis that is down fails fast as unavailable; once one is back (scripts forgotten) updates work again', async () => {
    const lonely = await startRedisServer();
    const replica = new RedisBindingStore({ url: lonely.url, log, timeoutMs: 500 });
    const aor = newAor();
    try {
      await replica.ready();
      assert.ok((await replica.update(aor, update([[binding('sip:a@h'), 60]]))).ok);
      await lonely.stop();
      const started = Date.now();
      await assert.rejects(replica.update(aor, update([[binding('sip:b@h'), 60]], 'call-1', 2)), BindingStoreUnavailable);
      assert.ok(Date.now() - started < 1000, 'refused at once, not queued');
      await assert.rejects(replica.lookup(aor), BindingStoreUnavailable);
      const back = await startRedisServer({ port: lonely.port });
      try {
        await eventually(async () => assert.ok((await replica.update(aor, update([[binding('sip:b@h'), 60]], 'call-1', 3))).ok));
        assert.deepEqual(ids(await replica.lookup(aor)), ['sip:b@h'], 'a new, empty Redis: the old binding went with the old one');
      } finally {
        await back.stop();
      }
    } finally {
      await replica.close();
    }
  });

  test('a script Redis no longer has (SCRIPT FLUSH, a restart) is loaded again', async () => {
    const aor = newAor();
    await store.update(aor, update([[binding('sip:a@h'), 60]]));
    await raw.scriptFlush();
    assert.deepEqual(ids(await store.lookup(aor)), ['sip:a@h']);
  });
});

async function eventually(check: () => Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
