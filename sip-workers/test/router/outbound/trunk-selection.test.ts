import assert from 'node:assert/strict';
import { test } from 'node:test';
import { orderTrunkAttempts } from '../../../src/router/outbound/trunk-selection.ts';
import { outboundTrunk } from './outbound-trunk-builder.ts';

/** Hands out the given values in turn, like Math.random would its own. */
function sequence(...values: number[]): () => number {
  let index = 0;
  return () => {
    const value = values[index++];
    assert.ok(value !== undefined, 'more random numbers drawn than the test expected');
    return value;
  };
}

/** mulberry32: a small seeded generator, so the proportions test is the same on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const names = (trunks: ReadonlyArray<{ name: string }>) => trunks.map((t) => t.name);

test('lower priority values come first, whatever the weights', () => {
  const candidates = [
    outboundTrunk('backup', { priority: 20, weight: 1000 }),
    outboundTrunk('primary', { priority: 5, weight: 1 }),
    outboundTrunk('secondary', { priority: 10 }),
  ];
  assert.deepEqual(names(orderTrunkAttempts(candidates, sequence(0, 0, 0))), ['primary', 'secondary', 'backup']);
});

test('within a priority, each draw picks by running weight sums and removes the pick', () => {
  const candidates = [
    outboundTrunk('a', { weight: 60 }),
    outboundTrunk('b', { weight: 30 }),
    outboundTrunk('c', { weight: 10 }),
  ];
  // Each draw × the remaining total weight, against the running sums in candidate order.
  const cases: Array<[number[], string[]]> = [
    [[0, 0, 0], ['a', 'b', 'c']], // 0 < 60; 0 < 30; c
    [[0.59, 0.99, 0], ['a', 'c', 'b']], // 59 < 60; 39.6 ≥ 30 → c; b
    [[0.6, 0, 0], ['b', 'a', 'c']], // 60 ≥ 60, < 90 → b; 0 < 60 → a; c
    [[0.95, 0.7, 0], ['c', 'b', 'a']], // 95 ≥ 90 → c; 0.7 × 90 = 63 ≥ 60 → b; a
    [[0.95, 0.5, 0], ['c', 'a', 'b']], // 95 ≥ 90 → c; 0.5 × 90 = 45 < 60 → a; b
  ];
  for (const [draws, expected] of cases) {
    assert.deepEqual(names(orderTrunkAttempts(candidates, sequence(...draws))), expected, draws.join(','));
  }
});

test('weight 0 trunks come after every weighted trunk of their priority', () => {
  const candidates = [
    outboundTrunk('standby', { weight: 0 }),
    outboundTrunk('live', { weight: 1 }),
    outboundTrunk('later', { priority: 20 }),
  ];
  for (const draw of [0, 0.5, 0.999999]) {
    assert.deepEqual(names(orderTrunkAttempts(candidates, () => draw)), ['live', 'standby', 'later'], String(draw));
  }
  const onlyStandbys = [outboundTrunk('x', { weight: 0 }), outboundTrunk('y', { weight: 0 })];
  assert.deepEqual(names(orderTrunkAttempts(onlyStandbys, sequence(0.7, 0))), ['y', 'x'], 'standbys share uniformly');
});

test('over many calls the first choice follows the weights', () => {
  const candidates = [outboundTrunk('a', { weight: 70 }), outboundTrunk('b', { weight: 20 }), outboundTrunk('c', { weight: 10 })];
  const random = seeded(42);
  const firsts = new Map<string, number>();
  const calls = 20_000;
  for (let i = 0; i < calls; i++) {
    const order = orderTrunkAttempts(candidates, random);
    assert.equal(order.length, 3);
    const first = order[0]?.name ?? '';
    firsts.set(first, (firsts.get(first) ?? 0) + 1);
  }
  for (const [name, share] of [['a', 0.7], ['b', 0.2], ['c', 0.1]] as const) {
    assert.ok(Math.abs((firsts.get(name) ?? 0) / calls - share) < 0.02, `${name}: ${firsts.get(name)} of ${calls}`);
  }
});

test('no candidates, no attempts', () => {
  assert.deepEqual(orderTrunkAttempts([], () => 0), []);
});
