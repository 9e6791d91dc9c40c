import assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterProbe, probeAnswered, unprobedHealth } from '../../../src/router/outbound/trunk-health.ts';

test('a trunk goes down after failureThreshold failed probes in a row, and up at the first answer', () => {
  let health = unprobedHealth;
  health = afterProbe(health, false, 3);
  health = afterProbe(health, false, 3);
  assert.deepEqual(health, { up: true, failures: 2 }, 'two lost probes are not enough');
  health = afterProbe(health, true, 3);
  assert.deepEqual(health, { up: true, failures: 0 }, 'an answer resets the count');
  for (let i = 0; i < 3; i++) health = afterProbe(health, false, 3);
  assert.deepEqual(health, { up: false, failures: 3 });
  health = afterProbe(health, false, 3);
  assert.equal(health.up, false);
  assert.deepEqual(afterProbe(health, true, 3), { up: true, failures: 0 });
  assert.equal(afterProbe(unprobedHealth, false, 1).up, false, 'threshold 1: the first failure');
});

test('any answer but 503 proves the trunk is there', () => {
  assert.deepEqual([200, 404, 405, 483, 500, 503, 603].map(probeAnswered), [true, true, true, true, true, false, true]);
});
