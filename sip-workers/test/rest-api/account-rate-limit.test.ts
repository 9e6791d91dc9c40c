// The token bucket each account's REST API calls go through: a burst of twice the rate, then one
// call per 1/rate seconds, each account on its own.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AccountRateLimit } from '../../src/rest-api/account-rate-limit.ts';

test('a burst of twice the rate goes through, the next waits for a token, and the wait is said in whole seconds', () => {
  let now = 0;
  const limit = new AccountRateLimit(2, () => now);
  assert.deepEqual([limit.take('AC1'), limit.take('AC1'), limit.take('AC1'), limit.take('AC1')], [undefined, undefined, undefined, undefined]);
  assert.equal(limit.take('AC1'), 1, 'empty: a token comes within a second');
  now += 500;
  assert.equal(limit.take('AC1'), undefined, 'half a second at 2 a second is one token');
  assert.equal(limit.take('AC1'), 1);
});

test('accounts do not share a bucket, and an idle one refills only up to the burst', () => {
  let now = 0;
  const limit = new AccountRateLimit(1, () => now);
  assert.equal(limit.take('AC1'), undefined);
  assert.equal(limit.take('AC1'), undefined);
  assert.equal(limit.take('AC1'), 1);
  assert.equal(limit.take('AC2'), undefined, 'another account is not held back');
  now += 60_000;
  assert.deepEqual([limit.take('AC1'), limit.take('AC1'), limit.take('AC1')], [undefined, undefined, 1], 'a minute idle still allows only the burst of 2');
});

test('a rate under one every two seconds still lets a call through, and says how long until the next', () => {
  let now = 0;
  const limit = new AccountRateLimit(0.25, () => now);
  assert.equal(limit.take('AC1'), undefined);
  assert.equal(limit.take('AC1'), 4, 'a whole token at 0.25 a second: 4 s');
  now += 2000;
  assert.equal(limit.take('AC1'), 2);
});
