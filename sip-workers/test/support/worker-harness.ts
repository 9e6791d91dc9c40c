// A SIP worker started in-process on 127.0.0.1 over routing texts compiled by the operator,
// as the call tests need it: its port, its metrics, and a way to swap the routing generation.
// The media and registrar harnesses start theirs through it too.
import pino from 'pino';
import type { RoutingView } from '../../src/routing/routing-view.ts';
import { workerMetrics } from '../../src/worker/metrics.ts';
import type { WorkerMetrics } from '../../src/worker/metrics.ts';
import { startSipWorker } from '../../src/worker/start-worker.ts';
import type { RunningSipWorker, SipWorkerOptions } from '../../src/worker/start-worker.ts';
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

/** Anything a worker can be started with (media relay, registrar, push, limits); the rest is the tests' defaults. */
export type TestWorkerOptions = Partial<Omit<SipWorkerOptions, 'host' | 'port'>>;

/** `log`: where the worker logs (default: nowhere, or stdout at SWITCHYARD_TEST_LOG_LEVEL); a test reading the log passes its own. */
export async function startTestWorker(texts: RoutingTexts, options: TestWorkerOptions = {}, log?: pino.Logger): Promise<TestWorker> {
  let view: RoutingView | undefined = await viewOf(texts);
  const metrics = workerMetrics();
  const running = await startSipWorker(
    {
      ...options,
      host: '127.0.0.1',
      port: 0,
      webhookTimeoutMs: options.webhookTimeoutMs ?? 2000,
      signatureHeader: options.signatureHeader ?? 'X-Twilio-Signature',
      trunkProgressTimeoutMs: options.trunkProgressTimeoutMs ?? 2000,
      // Tests that do not test overload must not see a 503 because the test process was busy.
      overload: options.overload ?? { backlogShare: 0 },
    },
    () => view,
    metrics,
    log ?? pino({ level: process.env.SWITCHYARD_TEST_LOG_LEVEL ?? 'silent' }),
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
