// A SIP worker in-process on 127.0.0.1 that anchors media on the relay given, for the media
// call tests and the media bench.
import type { MediaAnchoringSettings } from '../../src/media/media-anchoring.ts';
import { parseRelayTarget } from '../../src/media/relay-pool.ts';
import type { RoutingTexts } from '../support/routing-fixture.ts';
import { startTestWorker } from '../support/worker-harness.ts';
import type { TestWorker } from '../support/worker-harness.ts';

export type MediaWorker = TestWorker;

export async function startMediaWorker(texts: RoutingTexts, relay: string, media: Partial<Omit<MediaAnchoringSettings, 'relay'>> = {}): Promise<MediaWorker> {
  const target = parseRelayTarget(relay);
  if (!target) throw new Error(`bad relay ${relay}`);
  return startTestWorker(texts, { media: { relay: target, symmetricLatching: true, timeoutMs: 1000, ...media } });
}
