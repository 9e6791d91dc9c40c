// The Carrier's EventWebhookDelivering condition from its workers' Lease reports.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventWebhookReport } from '../../api/reports/lease-annotations.ts';
import { eventWebhookCondition } from '../src/compile/event-webhook-condition.ts';
import type { WorkerReport } from '../src/compile/observed.ts';
import { carrier } from './builders.ts';

const url = 'https://billing.mekong.example/events';
const mekong = carrier('mekong', { displayName: 'Mekong', country: 'KH', eventWebhook: { url } });
const worker = (pod: string, eventWebhook?: EventWebhookReport, ready = true): WorkerReport => ({ namespace: 'telco', carrier: 'mekong', pod, ready, trunksDown: [], ...(eventWebhook ? { eventWebhook } : {}) });
const delivering: EventWebhookReport = { url, state: 'delivering', since: '2026-12-07T12:00:00.000Z' };
const failing: EventWebhookReport = { url, state: 'failing', reason: 'HTTP 401', since: '2026-12-07T12:05:00.000Z' };

test('absent without spec.eventWebhook', () => {
  assert.equal(eventWebhookCondition(carrier('mekong', { displayName: 'Mekong', country: 'KH' }), [worker('w-0', delivering)]), undefined);
});

test('Unknown until a worker reports on this URL; True while the reporting workers deliver', () => {
  assert.equal(eventWebhookCondition(mekong, [worker('w-0')])?.status, 'Unknown');
  assert.equal(eventWebhookCondition(mekong, [worker('w-0', { ...failing, url: 'https://old.example/events' })])?.reason, 'NoEventsYet', 'a report on the URL before an edit is stale');
  assert.equal(eventWebhookCondition(mekong, [worker('w-0', failing, false)])?.reason, 'NoEventsYet', 'a worker no longer live does not count');
  const ok = eventWebhookCondition(mekong, [worker('w-0', delivering), worker('w-1')]);
  assert.deepEqual([ok?.status, ok?.reason, ok?.message], ['True', 'Delivering', `1 worker delivers events to ${url}.`]);
});

test('False when one reporting worker fails, naming it, why and since when', () => {
  const condition = eventWebhookCondition(mekong, [worker('w-1', failing), worker('w-0', delivering)]);
  assert.equal(condition?.status, 'False');
  assert.equal(condition?.reason, 'DeliveryFailing');
  assert.match(condition?.message ?? '', /^1 of 2 workers fail to deliver events to https:\/\/billing\.mekong\.example\/events: w-1 \(HTTP 401 since 2026-12-07T12:05:00\.000Z\)\./);
});
