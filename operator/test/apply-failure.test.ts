// A failed write turns the Carrier's Ready false with the API server's answer, and only once
// emits a Warning event; objects of other carriers are left alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyFailure } from '../src/apply/apply-failure.ts';
import type { DesiredObject } from '../src/compile/desired.ts';
import { carrierLabel } from '../src/compile/names.ts';
import { carrier } from './builders.ts';

const configMap = (name: string, carrierName: string): DesiredObject => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'telco', labels: { [carrierLabel]: carrierName } },
});
const now = new Date('2026-12-06T04:00:00.123Z');
const forbidden = new Error('configmaps "mekong-routing-3" is forbidden: User "system:serviceaccount:x:y" cannot patch resource "configmaps"\nmore detail');

test('a Carrier whose routing write was refused is not Ready, and says which write and why', () => {
  const mekong = carrier('mekong', { displayName: 'm', country: 'KH' });
  const angkor = carrier('angkor', { displayName: 'a', country: 'KH' });
  const compiledReady = { kind: 'Carrier', namespace: 'telco', name: 'mekong', uid: mekong.metadata.uid, status: { conditions: [
    { type: 'Accepted', status: 'True' as const, reason: 'Accepted', message: 'ok', lastTransitionTime: '2026-12-01T00:00:00Z' },
    { type: 'Ready', status: 'True' as const, reason: 'Routed', message: 'ok', lastTransitionTime: '2026-12-01T00:00:00Z' },
  ] } };
  const { statuses, events } = applyFailure(
    [{ key: 'ConfigMap/telco/mekong-routing-3', error: forbidden }, { key: 'ConfigMap/telco/mekong-routing', error: forbidden }],
    [configMap('mekong-routing-3', 'mekong'), configMap('mekong-routing', 'mekong'), configMap('angkor-routing', 'angkor')],
    [mekong, angkor], [compiledReady], now,
  );
  assert.equal(statuses.length, 1);
  const [update] = statuses;
  assert.equal(update?.name, 'mekong');
  const ready = update?.status.conditions.find((condition) => condition.type === 'Ready');
  assert.equal(ready?.status, 'False');
  assert.equal(ready?.reason, 'ApplyFailed');
  assert.equal(ready?.lastTransitionTime, '2026-12-06T04:00:00Z');
  assert.match(ready?.message ?? '', /^Writing ConfigMap\/telco\/mekong-routing-3 failed: .*cannot patch resource "configmaps" \(and 1 more writes\); retrying with backoff\.$/);
  assert.equal(update?.status.conditions.find((condition) => condition.type === 'Accepted')?.status, 'True', 'other conditions are kept');
  assert.deepEqual(events.map((event) => [event.regarding.name, event.type, event.reason]), [['mekong', 'Warning', 'ApplyFailed']]);
});

test('a Carrier already showing ApplyFailed keeps its transition time and gets no second event', () => {
  const mekong = carrier('mekong', { displayName: 'm', country: 'KH' });
  mekong.status = { conditions: [{ type: 'Ready', status: 'False', reason: 'ApplyFailed', message: 'old', lastTransitionTime: '2026-12-05T00:00:00Z' }] };
  const { statuses, events } = applyFailure([{ key: 'ConfigMap/telco/mekong-routing', error: forbidden }], [configMap('mekong-routing', 'mekong')], [mekong], [], now);
  assert.equal(statuses[0]?.status.conditions.find((condition) => condition.type === 'Ready')?.lastTransitionTime, '2026-12-05T00:00:00Z');
  assert.deepEqual(events, []);
});
