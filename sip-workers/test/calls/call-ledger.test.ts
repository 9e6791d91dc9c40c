import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CallLedger } from '../../src/calls/call-ledger.ts';
import type { CallRecord } from '../../src/calls/call-ledger.ts';

const facts = (sid: string) => ({ sid, accountSid: 'AC1', from: '+85523900100', to: '+85597000111', direction: 'outbound-api' as const });

function ledger(options: { retentionMs?: number; maxEnded?: number } = {}) {
  const clock = { ms: 1_000_000 };
  const changes: CallRecord[] = [];
  const hungUp: string[] = [];
  const calls = new CallLedger({ retentionMs: options.retentionMs ?? 60_000, maxEnded: options.maxEnded ?? 10, now: () => clock.ms, onChange: (record) => changes.push(record) });
  const open = (sid: string, status: 'queued' | 'ringing' = 'queued') => calls.opened(facts(sid), status, { hangUp: () => hungUp.push(sid) });
  return { calls, clock, changes, hungUp, open };
}

describe('the call ledger', () => {
  test('a call goes queued → ringing → in-progress → its final status, each change reported once with its times', () => {
    const { calls, clock, changes, open } = ledger();
    open('CA1');
    calls.progressed('CA1', 'ringing');
    calls.progressed('CA1', 'ringing');
    clock.ms += 2000;
    calls.progressed('CA1', 'in-progress');
    clock.ms += 5000;
    calls.ended('CA1', 'completed', { answeredAt: 1_002_000, endedAt: clock.ms });
    assert.deepEqual(changes.map((change) => change.status), ['queued', 'ringing', 'in-progress', 'completed']);
    assert.deepEqual(calls.find('CA1'), { ...facts('CA1'), status: 'completed', createdAt: 1_000_000, answeredAt: 1_002_000, endedAt: 1_007_000, updatedAt: 1_007_000 });
    assert.equal(calls.liveCount, 0);
  });

  test('completed ends any live call, canceled only one not yet answered; an ended or unknown call is not hung up', () => {
    const { calls, hungUp, open } = ledger();
    open('CA1', 'ringing');
    open('CA2');
    calls.progressed('CA2', 'in-progress');
    assert.equal(calls.hangUp('CA1', 'canceled'), true);
    assert.equal(calls.hangUp('CA2', 'canceled'), false, 'an answered call goes on');
    assert.equal(calls.hangUp('CA2', 'completed'), true);
    calls.ended('CA2', 'completed', { endedAt: 1_000_100 });
    assert.equal(calls.hangUp('CA2', 'completed'), false);
    assert.equal(calls.hangUp('CA9', 'completed'), false);
    assert.deepEqual(hungUp, ['CA1', 'CA2']);
  });

  test('ended calls are kept for the retention time, and beyond the count the oldest go first', () => {
    const { calls, clock, open } = ledger({ retentionMs: 10_000, maxEnded: 2 });
    for (const sid of ['CA1', 'CA2', 'CA3']) {
      open(sid);
      calls.ended(sid, 'failed', { endedAt: clock.ms });
      clock.ms += 1000;
    }
    assert.equal(calls.find('CA1'), undefined, 'the oldest of three went');
    assert.equal(calls.find('CA2')?.status, 'failed');
    open('CA4');
    clock.ms += 8_500;
    assert.equal(calls.find('CA2'), undefined, 'ended 10.5 s ago');
    assert.equal(calls.find('CA3')?.status, 'failed', 'ended 9.5 s ago');
    assert.equal(calls.find('CA4')?.status, 'queued', 'a live call never expires');
  });
});
