import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CallProgress } from '../../src/calls/call-progress.ts';
import type { ProgressEvent } from '../../src/webhook/progress-events.ts';

function progress(wanted: ProgressEvent[]) {
  const posted: Array<[string, number]> = [];
  return { posted, calls: new CallProgress(new Set(wanted), (status, sequence) => posted.push([status, sequence])) };
}

test('each event asked for is posted once, numbered in the order reached; completed takes the next number', () => {
  const { posted, calls } = progress(['initiated', 'ringing', 'answered', 'completed']);
  calls.reached('initiated');
  calls.reached('initiated');
  calls.reached('ringing');
  calls.reached('answered');
  assert.deepEqual(posted, [['initiated', 0], ['ringing', 1], ['in-progress', 2]], 'answered reports CallStatus in-progress');
  assert.equal(calls.completed(), 3);
  assert.equal(calls.completed(), undefined, 'completed is posted once');
});

test('events not asked for are not posted and take no number; without completed the end posts nothing', () => {
  const { posted, calls } = progress(['ringing']);
  calls.reached('initiated');
  calls.reached('ringing');
  calls.reached('answered');
  assert.deepEqual(posted, [['ringing', 0]]);
  assert.equal(calls.completed(), undefined);
});
