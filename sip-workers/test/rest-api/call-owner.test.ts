// How a replica reads another's call by the owner's heartbeat (call-owner.ts): live while the run
// that wrote it stamps, ended as of its last sign of life once it stops.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CallRecord } from '../../src/calls/call-ledger.ts';
import { callAsOwnerLeftIt } from '../../src/rest-api/call-owner.ts';

const goneAfterMs = 15_000;
const now = 1_000_000;
const answered: CallRecord = { sid: 'CA1', accountSid: 'AC1', from: '+85523900100', to: '+85597000111', direction: 'outbound-api', status: 'in-progress', createdAt: now - 60_000, answeredAt: now - 55_000, updatedAt: now - 55_000 };
const ringing: CallRecord = { ...answered, status: 'ringing', answeredAt: undefined, updatedAt: now - 58_000 };

test('a live call reads live while the run that wrote it stamps its heartbeat', () => {
  assert.equal(callAsOwnerLeftIt(answered, 'run-1', { instance: 'run-1', seenAt: now - 4000 }, now, goneAfterMs), answered);
  assert.equal(callAsOwnerLeftIt(answered, 'run-1', { instance: 'run-1', seenAt: now - goneAfterMs }, now, goneAfterMs), answered, 'up to the limit itself');
});

test('once the heartbeat is stale, an answered call reads completed and an unanswered one failed, ended when the owner was last seen', () => {
  const seenAt = now - goneAfterMs - 1;
  assert.deepEqual(callAsOwnerLeftIt(answered, 'run-1', { instance: 'run-1', seenAt }, now, goneAfterMs), { ...answered, status: 'completed', endedAt: seenAt, updatedAt: seenAt });
  assert.deepEqual(callAsOwnerLeftIt(ringing, 'run-1', { instance: 'run-1', seenAt }, now, goneAfterMs), { ...ringing, status: 'failed', endedAt: seenAt, updatedAt: seenAt });
});

test('a heartbeat of a later run at the same address does not keep an earlier run\'s call alive: its last write is its last sign of life', () => {
  const restarted = { instance: 'run-2', seenAt: now - 1000 };
  assert.deepEqual(callAsOwnerLeftIt(answered, 'run-1', restarted, now, goneAfterMs), { ...answered, status: 'completed', endedAt: answered.updatedAt });
  const justWritten = { ...answered, updatedAt: now - 3000 };
  assert.equal(callAsOwnerLeftIt(justWritten, 'run-1', restarted, now, goneAfterMs), justWritten, 'written moments ago: not judged gone yet');
  assert.deepEqual(callAsOwnerLeftIt(answered, 'run-1', undefined, now, goneAfterMs), { ...answered, status: 'completed', endedAt: answered.updatedAt }, 'nor does no heartbeat at all');
});

test('ended calls, and calls written by a worker that stamps no heartbeat, read as written', () => {
  const ended: CallRecord = { ...answered, status: 'busy', endedAt: now - 50_000 };
  assert.equal(callAsOwnerLeftIt(ended, 'run-1', undefined, now, goneAfterMs), ended);
  assert.equal(callAsOwnerLeftIt(answered, undefined, undefined, now, goneAfterMs), answered, 'an earlier version mid-upgrade: nothing to judge by');
});
