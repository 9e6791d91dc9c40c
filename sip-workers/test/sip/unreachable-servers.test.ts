import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Destination } from '../../src/sip/response-routing.ts';
import { UnreachableServers } from '../../src/sip/unreachable-servers.ts';

const server = (address: string, port = 5060): Destination => ({ address, port, transport: 'udp' });
const [primary, secondary, tertiary] = [server('192.0.2.1'), server('192.0.2.2'), server('192.0.2.3')];

test('a marked server is tried after the others until its mark lapses, then in its own place again', () => {
  let now = 1000;
  const servers = new UnreachableServers({ markMs: 30_000, now: () => now });
  servers.mark(primary);
  assert.deepEqual(servers.order([primary, secondary, tertiary]), [secondary, tertiary, primary]);
  now += 29_999;
  assert.equal(servers.isMarked(primary), true);
  now += 1;
  assert.deepEqual(servers.order([primary, secondary, tertiary]), [primary, secondary, tertiary]);
  assert.equal(servers.size, 0, 'a lapsed mark is dropped');
});

test('an answer clears the mark; the same address on another port or transport is another server', () => {
  const servers = new UnreachableServers();
  servers.mark(primary);
  assert.equal(servers.isMarked(server('192.0.2.1', 5080)), false);
  assert.equal(servers.isMarked({ ...primary, transport: 'tcp' }), false);
  servers.clear(primary);
  assert.equal(servers.isMarked(primary), false);
});

test('a 503\'s Retry-After sets the mark, up to the cap; marked servers keep DNS\'s order among themselves', () => {
  let now = 0;
  const servers = new UnreachableServers({ maxMarkMs: 300_000, now: () => now });
  servers.mark(primary, 3_600_000);
  servers.mark(secondary, 5_000);
  assert.deepEqual(servers.order([primary, secondary, tertiary]), [tertiary, primary, secondary]);
  now = 5_000;
  assert.deepEqual(servers.order([primary, secondary, tertiary]), [secondary, tertiary, primary]);
  now = 300_000;
  assert.equal(servers.isMarked(primary), false, 'an hour asked, five minutes given');
});

test('memory stays bounded: past the limit the oldest mark goes', () => {
  const servers = new UnreachableServers({ maxEntries: 2 });
  servers.mark(primary);
  servers.mark(secondary);
  servers.mark(tertiary);
  assert.equal(servers.size, 2);
  assert.equal(servers.isMarked(primary), false);
  assert.equal(servers.isMarked(tertiary), true);
});
