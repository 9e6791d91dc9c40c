// What a worker's Lease says of its event deliveries: failing only after several failed attempts
// in a row (since the first of them), delivering again at the first event taken, and news only
// when that changes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeliveryHealth, FAILING_AFTER_ATTEMPTS } from '../../src/carrier-events/delivery-health.ts';

const url = 'https://billing.example/events';
const at = (seconds: number) => Date.UTC(2026, 11, 7, 12, 0, seconds);

test('failing after several failures in a row, since the first; delivering again at the next event taken', () => {
  const health = new DeliveryHealth();
  let changes = 0;
  health.onChange(() => changes++);
  assert.equal(health.value(), undefined, 'nothing to say before the first attempt');
  health.delivered(url, at(0));
  assert.deepEqual(health.report(), { url, state: 'delivering', since: new Date(at(0)).toISOString() });
  health.delivered(url, at(1));
  assert.equal(changes, 1, 'a second event taken is not news');

  for (let attempt = 1; attempt < FAILING_AFTER_ATTEMPTS; attempt++) health.failed(url, 'HTTP 503', at(10 + attempt));
  assert.equal(health.report()?.state, 'delivering', 'a few failures among events taken are not a failing webhook');
  health.failed(url, 'timeout', at(20));
  assert.deepEqual(health.report(), { url, state: 'failing', reason: 'timeout', since: new Date(at(11)).toISOString() });
  health.failed(url, 'HTTP 503', at(21));
  assert.equal(changes, 2, 'failing again is not news, whatever the reason');
  assert.equal((JSON.parse(health.value() ?? '{}') as { state?: string }).state, 'failing', 'the annotation carries the report');

  health.delivered(url, at(30));
  assert.deepEqual(health.report(), { url, state: 'delivering', since: new Date(at(30)).toISOString() });
  health.failed(url, 'HTTP 503', at(31));
  health.delivered(url, at(32));
  health.failed(url, 'HTTP 503', at(33));
  health.failed(url, 'HTTP 503', at(34));
  assert.equal(health.report()?.state, 'delivering', 'a success breaks the run of failures');
  assert.equal(changes, 3);
});

test('a new webhook URL is news at once', () => {
  const health = new DeliveryHealth();
  health.delivered(url, at(0));
  health.delivered('https://billing.example/v2/events', at(1));
  assert.equal(health.report()?.url, 'https://billing.example/v2/events');
});

test('a state stands for the dwell: a flap inside it is never said, a change that lasts is said when it ends', async () => {
  const health = new DeliveryHealth(100);
  const said: string[] = [];
  health.onChange(() => said.push(health.report()?.state ?? ''));
  const fail = () => {
    for (let attempt = 0; attempt < FAILING_AFTER_ATTEMPTS; attempt++) health.failed(url, 'HTTP 503', Date.now());
  };
  health.delivered(url, Date.now());
  fail();
  health.delivered(url, Date.now());
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.deepEqual(said, ['delivering'], 'failing and back within the dwell: nothing new was said');

  fail();
  assert.deepEqual(said, ['delivering', 'failing'], 'the dwell since the last word is over: said at once');
  health.delivered(url, Date.now());
  assert.equal(health.report()?.state, 'failing', 'not yet: failing stands for the dwell');
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.deepEqual(said, ['delivering', 'failing', 'delivering'], 'delivering still holds when the dwell ends, so it is said');
});
