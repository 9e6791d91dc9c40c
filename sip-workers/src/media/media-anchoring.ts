// Media anchoring for the whole worker: one ng client and relay pool shared by every call, and a
// CallMedia per call. Absent (SWITCHYARD_MEDIA_RELAY unset), calls carry their peers' descriptions
// end to end as before.
import type { Registry } from 'prom-client';
import type { WorkerLogger } from '../worker/logger.ts';
import { CallMedia } from './call-media.ts';
import type { CallMediaIds } from './call-media.ts';
import { mediaMetrics } from './media-metrics.ts';
import type { MediaMetrics } from './media-metrics.ts';
import { NgClient } from './ng-client.ts';
import { RelayPool } from './relay-pool.ts';
import type { RelayTarget } from './relay-pool.ts';

export interface MediaAnchoringSettings {
  relay: RelayTarget;
  /** Let the relay learn each endpoint's address from its first packets (NAT); otherwise send to the SDP's address only. */
  symmetricLatching: boolean;
  /** An ng command unanswered this long fails the step that needed it. */
  timeoutMs: number;
  retransmitMs?: number;
}

export class MediaAnchoring {
  readonly metrics: MediaMetrics;
  readonly #client: NgClient;
  readonly #pool: RelayPool;
  readonly #log: WorkerLogger;
  readonly #flags: string[];
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(settings: MediaAnchoringSettings, registry: Registry, log: WorkerLogger) {
    this.metrics = mediaMetrics(registry);
    this.#log = log;
    this.#client = new NgClient({
      timeoutMs: settings.timeoutMs,
      retransmitMs: settings.retransmitMs ?? Math.min(500, settings.timeoutMs / 4),
      onStray: (detail) => log.debug({ detail }, 'media relay: stray ng datagram'),
    });
    this.#pool = new RelayPool(settings.relay);
    this.#flags = settings.symmetricLatching ? [] : ['asymmetric'];
  }

  forCall(ids: CallMediaIds, log: WorkerLogger): CallMedia {
    return new CallMedia(ids, {
      client: this.#client,
      pool: this.#pool,
      metrics: this.metrics,
      log,
      flags: this.#flags,
      track: (work) => {
        this.#inFlight.add(work);
        const done = () => void this.#inFlight.delete(work);
        work.then(done, done);
      },
    });
  }

  /** Waits for the deletes of calls just hung up (each bounded by the ng timeout), then closes the socket. */
  async close(): Promise<void> {
    if (this.#inFlight.size > 0) this.#log.info({ pending: this.#inFlight.size }, 'media relay: waiting for deletes before closing');
    await Promise.allSettled([...this.#inFlight]);
    await this.#client.close();
  }
}
