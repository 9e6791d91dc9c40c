// The event queue's limits against a real HTTP receiver on loopback: a full queue gives way
// oldest first, a stopping worker gives each waiting event one last try and drops the rest, and
// an event whose Carrier dropped its webhook is not sent.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { CarrierEventDelivery, type EventDeliverySettings } from '../../src/carrier-events/event-delivery.ts';
import type { EventWebhook } from '../../src/routing/routing-view.ts';
import { workerMetrics } from '../../src/worker/metrics.ts';

interface Received { id: string; response: ServerResponse }

describe('carrier event delivery', () => {
  const received: Received[] = [];
  /** Answer at once with this status; undefined holds each response until the test answers it. */
  let answer: number | undefined;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const id = (JSON.parse(Buffer.concat(chunks).toString()) as { data: { id: string } }).data.id;
      received.push({ id, response });
      if (answer !== undefined) response.writeHead(answer).end();
    });
  });
  let webhook: EventWebhook;
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    webhook = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`, signingSecret: 'test-secret' };
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const event = (id: string) => ({ id, body: JSON.stringify({ data: { id, type: 'event' } }) });
  const settings = (overrides: Partial<EventDeliverySettings>): EventDeliverySettings => ({ timeoutMs: 2000, retryDelaysMs: [50], maxPending: 10, concurrency: 4, ...overrides });
  const until = async (what: () => boolean | Promise<boolean>) => {
    const deadline = Date.now() + 5000;
    while (!(await what()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(await what(), 'in time');
  };
  const count = async (metrics: ReturnType<typeof workerMetrics>, outcome: string) =>
    (await metrics.carrierEvents.get()).values.find((value) => value.labels.outcome === outcome)?.value ?? 0;

  test('a full queue drops the event that waited longest, not the new one', async () => {
    received.length = 0;
    answer = undefined;
    const metrics = workerMetrics();
    const delivery = new CarrierEventDelivery(settings({ maxPending: 2, concurrency: 1 }), () => webhook, metrics, pino({ level: 'silent' }));
    delivery.enqueue(event('first'));
    await until(() => received.length === 1);
    delivery.enqueue(event('second'));
    delivery.enqueue(event('third'));
    assert.equal(delivery.pending, 2, 'the one in flight and the newest');
    assert.equal(await count(metrics, 'dropped'), 1);
    answer = 200;
    received[0]?.response.writeHead(200).end();
    await until(() => delivery.pending === 0);
    assert.deepEqual(received.map((r) => r.id), ['first', 'third']);
    assert.equal(await count(metrics, 'delivered'), 2);
  });

  test('stopping gives a waiting retry one last try at once, then drops what is left', async () => {
    received.length = 0;
    answer = 503;
    const metrics = workerMetrics();
    const delivery = new CarrierEventDelivery(settings({ retryDelaysMs: [60_000] }), () => webhook, metrics, pino({ level: 'silent' }));
    delivery.enqueue(event('retrying'));
    await until(() => received.length === 1);
    await until(() => delivery.pending === 1);
    answer = undefined;
    const started = Date.now();
    await delivery.close(300);
    assert.ok(Date.now() - started < 2000, 'the minute-long retry delay was not waited for');
    assert.deepEqual(received.map((r) => r.id), ['retrying', 'retrying'], 'tried once more while stopping');
    received[1]?.response.writeHead(503).end();
    // Its answer came after the worker stopped: no retry, it counts as dropped.
    await until(async () => (await count(metrics, 'dropped')) === 1);
    assert.equal(await count(metrics, 'failed'), 0);
  });

  test('an event whose Carrier no longer has a webhook is dropped, not sent', async () => {
    received.length = 0;
    answer = 200;
    let current: EventWebhook | undefined = webhook;
    const metrics = workerMetrics();
    const delivery = new CarrierEventDelivery(settings({}), () => current, metrics, pino({ level: 'silent' }));
    assert.equal(delivery.enabled, true);
    current = undefined;
    assert.equal(delivery.enabled, false);
    delivery.enqueue(event('orphan'));
    await until(() => delivery.pending === 0);
    assert.equal(received.length, 0);
    assert.equal(await count(metrics, 'dropped'), 1);
  });
});
