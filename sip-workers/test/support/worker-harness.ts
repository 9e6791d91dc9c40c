// A SIP worker started in-process on 127.0.0.1 over routing texts compiled by the operator,
// as the call tests need it: its port, its metrics, and a way to swap the routing generation.
import pino from 'pino';
import type { RoutingView } from '../../src/routing/routing-view.ts';
import { workerMetrics } from '../../src/worker/metrics.ts';
import type { WorkerMetrics } from '../../src/worker/metrics.ts';
import { startSipWorker } from '../../src/worker/start-worker.ts';
import type { RunningSipWorker } from '../../src/worker/start-worker.ts';
import type { RoutingTexts } from './routing-fixture.ts';
import { viewOf } from './routing-view-of.ts';

export interface TestWorker {
  running: RunningSipWorker;
  port: number;
  metrics: WorkerMetrics;
  setRouting(texts: RoutingTexts): Promise<void>;
  /** One sample of a counter or gauge, by labels (0 when absent). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

export async function startTestWorker(texts: RoutingTexts, options: { trunkProgressTimeoutMs?: number; webhookTimeoutMs?: number; maxCallMs?: number } = {}): Promise<TestWorker> {
  let view: RoutingView | undefined = await viewOf(texts);
  const metrics = workerMetrics();
  const running = await startSipWorker(
    { host: '127.0.0.1', port: 0, webhookTimeoutMs: options.webhookTimeoutMs ?? 2000, signatureHeader: 'X-Twilio-Signature', trunkProgressTimeoutMs: options.trunkProgressTimeoutMs ?? 2000, ...(options.maxCallMs === undefined ? {} : { maxCallMs: options.maxCallMs }) },
    () => view,
    metrics,
    pino({ level: process.env.SWITCHYARD_TEST_LOG_LEVEL ?? 'silent' }),
  );
  return {
    running,
    port: running.transport.port,
    metrics,
    setRouting: async (next) => {
      view = await viewOf(next);
    },
    metric: async (name, labels = {}) => {
      const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
      const values = (metric as { values?: Array<{ value: number; labels: Record<string, string | number> }> } | undefined)?.values ?? [];
      const match = values.filter((value) => Object.entries(labels).every(([key, wanted]) => String(value.labels[key]) === wanted));
      return match.reduce((sum, value) => sum + value.value, 0);
    },
    close: () => running.close(),
  };
}
