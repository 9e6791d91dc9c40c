// A SIP worker in-process on 127.0.0.1 that anchors media on the relay given, for the media
// call tests and the media bench.
import pino from 'pino';
import type { MediaAnchoringSettings } from '../../src/media/media-anchoring.ts';
import { parseRelayTarget } from '../../src/media/relay-pool.ts';
import { workerMetrics } from '../../src/worker/metrics.ts';
import { startSipWorker } from '../../src/worker/start-worker.ts';
import type { RunningSipWorker } from '../../src/worker/start-worker.ts';
import type { RoutingTexts } from '../support/routing-fixture.ts';
import { viewOf } from '../support/routing-view-of.ts';

export interface MediaWorker {
  running: RunningSipWorker;
  port: number;
  /** Sum of a counter or gauge's samples matching the labels (0 when absent). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

export async function startMediaWorker(texts: RoutingTexts, relay: string, media: Partial<Omit<MediaAnchoringSettings, 'relay'>> = {}): Promise<MediaWorker> {
  const target = parseRelayTarget(relay);
  if (!target) throw new Error(`bad relay ${relay}`);
  const view = await viewOf(texts);
  const metrics = workerMetrics();
  const running = await startSipWorker(
    {
      host: '127.0.0.1', port: 0, webhookTimeoutMs: 2000, signatureHeader: 'X-Twilio-Signature', trunkProgressTimeoutMs: 2000,
      media: { relay: target, symmetricLatching: true, timeoutMs: 1000, ...media },
    },
    () => view,
    metrics,
    pino({ level: process.env.SWITCHYARD_TEST_LOG_LEVEL ?? 'silent' }),
  );
  return {
    running,
    port: running.transport.port,
    metric: async (name, labels = {}) => {
      const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
      const values = (metric as { values?: Array<{ value: number; labels: Record<string, string | number> }> } | undefined)?.values ?? [];
      return values.filter((value) => Object.entries(labels).every(([key, wanted]) => String(value.labels[key]) === wanted)).reduce((sum, value) => sum + value.value, 0);
    },
    close: () => running.close(),
  };
}
