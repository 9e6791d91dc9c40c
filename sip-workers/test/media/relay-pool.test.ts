import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRelayTarget, RelayPool } from '../../src/media/relay-pool.ts';

test('relay addresses: host:port, [v6]:port, and nothing else', () => {
  assert.deepEqual(parseRelayTarget('media-relay-mekong.telecom.svc:2223'), { host: 'media-relay-mekong.telecom.svc', port: 2223 });
  assert.deepEqual(parseRelayTarget('[fd00::7]:2223'), { host: 'fd00::7', port: 2223 });
  for (const bad of ['relay', 'relay:', 'relay:0', 'relay:70000', 'fd00::7:2223', 'a b:1']) assert.equal(parseRelayTarget(bad), undefined, bad);
});

test('calls are spread over every relay the name resolves to; one that did not answer is passed over for a while', async () => {
  let now = 0;
  const pool = new RelayPool({ host: 'relays', port: 2223 }, { now: () => now, quarantineMs: 1000, resolve: () => Promise.resolve(['10.0.0.2', '10.0.0.1', '10.0.0.2']) });
  const picks = [await pool.pick(), await pool.pick(), await pool.pick()].map((relay) => relay.host);
  assert.deepEqual(picks, ['10.0.0.1', '10.0.0.2', '10.0.0.1']);
  pool.unresponsive({ host: '10.0.0.1', port: 2223 });
  assert.deepEqual([(await pool.pick()).host, (await pool.pick()).host], ['10.0.0.2', '10.0.0.2']);
  pool.unresponsive({ host: '10.0.0.2', port: 2223 });
  assert.ok(['10.0.0.1', '10.0.0.2'].includes((await pool.pick()).host), 'all quarantined: still tries one');
  now = 1001;
  const after = new Set([(await pool.pick()).host, (await pool.pick()).host]);
  assert.deepEqual([...after].sort(), ['10.0.0.1', '10.0.0.2'], 'back after the quarantine');
});

test('a failing lookup keeps the last good addresses; with none it is a clear error', async () => {
  let now = 0;
  let answer: () => Promise<string[]> = () => Promise.resolve(['10.0.0.9']);
  const pool = new RelayPool({ host: 'relays', port: 2223 }, { now: () => now, resolveTtlMs: 10, resolve: () => answer() });
  assert.equal((await pool.pick()).host, '10.0.0.9');
  answer = () => Promise.reject(new Error('SERVFAIL'));
  now = 100;
  assert.equal((await pool.pick()).host, '10.0.0.9');
  const fresh = new RelayPool({ host: 'relays', port: 2223 }, { resolve: () => Promise.reject(new Error('NXDOMAIN')) });
  await assert.rejects(fresh.pick(), /cannot resolve media relay relays: NXDOMAIN/);
});
