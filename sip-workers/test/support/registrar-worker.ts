// A SIP worker with its registrar, started in-process on 127.0.0.1 over a test Redis: what the
// registration tests need (its port, its metrics, the bindings it sees), several per Redis when a
// test plays replicas.
import pino from 'pino';
import type { CurrentBinding } from '../../src/registrar/binding.ts';
import { defaultExpirySettings } from '../../src/registrar/expiry-policy.ts';
import type { ExpirySettings } from '../../src/registrar/expiry-policy.ts';
import { workerMetrics } from '../../src/worker/metrics.ts';
import type { WorkerMetrics } from '../../src/worker/metrics.ts';
import { startSipWorker } from '../../src/worker/start-worker.ts';
import type { PushOptions, RunningSipWorker } from '../../src/worker/start-worker.ts';
import type { RoutingTexts } from './routing-fixture.ts';
import { viewOf } from './routing-view-of.ts';

export interface RegistrarWorker {
  running: RunningSipWorker;
  port: number;
  metrics: WorkerMetrics;
  /** The bindings this worker would ring for a user of a domain. */
  bindings(domain: string, user: string): Promise<CurrentBinding[]>;
  /** One sample of a counter or gauge, by labels (0 when absent). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

export interface RegistrarWorkerOptions {
  expiry?: Partial<ExpirySettings>;
  maxBindingsPerUser?: number;
  /** Replicas share it so each accepts the nonces of the others. */
  digestKey?: Uint8Array;
  /** Wake phones with a push token through this push service. */
  push?: PushOptions;
}

export async function startRegistrarWorker(texts: RoutingTexts, redisUrl: string, options: RegistrarWorkerOptions = {}): Promise<RegistrarWorker> {
  const view = await viewOf(texts);
  const metrics = workerMetrics();
  const running = await startSipWorker(
    {
      host: '127.0.0.1', port: 0, webhookTimeoutMs: 2000, signatureHeader: 'X-Twilio-Signature', trunkProgressTimeoutMs: 2000,
      ...(options.digestKey === undefined ? {} : { digestKey: options.digestKey }),
      ...(options.push === undefined ? {} : { push: options.push }),
      registrar: {
        redisUrl,
        carrier: 'mekong',
        settings: { expiry: { ...defaultExpirySettings, ...options.expiry }, maxBindingsPerUser: options.maxBindingsPerUser ?? 10 },
      },
    },
    () => view,
    metrics,
    pino({ level: process.env.SWITCHYARD_TEST_LOG_LEVEL ?? 'silent' }),
  );
  const registrar = running.registrar;
  if (!registrar) throw new Error('worker started without its registrar');
  await registrar.store.ready();
  return {
    running,
    port: running.transport.port,
    metrics,
    bindings: (domain, user) => registrar.lookup({ domain, user }),
    metric: async (name, labels = {}) => {
      const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
      const values = (metric as { values?: Array<{ value: number; labels: Record<string, string | number> }> } | undefined)?.values ?? [];
      const match = values.filter((value) => Object.entries(labels).every(([key, wanted]) => String(value.labels[key]) === wanted));
      return match.reduce((sum, value) => sum + value.value, 0);
    },
    close: () => running.close(),
  };
}
