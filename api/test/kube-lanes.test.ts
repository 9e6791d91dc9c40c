// The two lanes of the API client: routing (foreground) before statuses (background) in the rate
// limiter's queue.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateLimiter } from '../kube/rate-limiter.ts';

test('the rate limiter gives a waiting foreground request the next token before any background one', async () => {
  const limiter = new RateLimiter(100, 1);
  await limiter.take('background');
  const order: string[] = [];
  const background = limiter.take('background').then(() => order.push('background'));
  const foreground = limiter.take('foreground').then(() => order.push('foreground'));
  await Promise.all([background, foreground]);
  assert.deepEqual(order, ['foreground', 'background']);
});
