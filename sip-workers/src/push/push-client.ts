// The SIP worker's side of the push service's API (README.md here): one POST /v1/push per call
// and device, its answer read as the outcome the worker acts on. The service is idempotent per
// call and device, so asking again after a 503 (a replica shutting down) or a lost answer never
// pushes a phone twice.
import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { WorkerLogger } from '../worker/logger.ts';
import { deviceFingerprint } from './push-dispatcher.ts';
import type { PushRequest } from './push-request.ts';

/** `error`: no usable answer (unreachable, 4xx, 5xx other than the API's); `cancelled`: the call stopped waiting first. */
export type WakeOutcome = 'sent' | 'unregistered' | 'rejected' | 'bad-credentials' | 'unavailable' | 'error' | 'cancelled';

const outcomeOfStatus: Record<number, WakeOutcome> = { 200: 'sent', 410: 'unregistered', 422: 'rejected', 502: 'bad-credentials', 504: 'unavailable' };

export function pushCallMetrics(registry: Registry) {
  return {
    requests: new Counter({ name: 'switchyard_worker_push_requests_total', help: 'Pushes the worker asked the push service for, by provider and outcome (sent, unregistered, rejected, bad-credentials, unavailable, error, cancelled).', labelNames: ['provider', 'outcome'], registers: [registry] }),
    waits: new Histogram({ name: 'switchyard_worker_push_registration_wait_seconds', help: 'Time from the push to the woken phone\'s REGISTER, by result (registered, timeout, cancelled).', labelNames: ['result'], buckets: [0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60], registers: [registry] }),
  };
}

export type PushCallMetrics = ReturnType<typeof pushCallMetrics>;

export interface PushClientOptions {
  /** The push service's base URL (SWITCHYARD_PUSH_SERVICE), e.g. http://mekong-telecom-push.voice.svc:8080. */
  serviceUrl: string;
  carrier: string;
  metrics: PushCallMetrics;
  log: WorkerLogger;
  /** Answers past the push's own TTL plus this are given up. Default 2000 ms. */
  slackMs?: number;
}

/** Times a 503 (the replica answering is draining) is asked again. */
const drainingRetries = 2;

export class PushClient {
  readonly #options: PushClientOptions;
  readonly #url: string;

  constructor(options: PushClientOptions) {
    this.#options = options;
    this.#url = `${options.serviceUrl.replace(/\/+$/, '')}/v1/push`;
  }

  get metrics(): PushCallMetrics {
    return this.#options.metrics;
  }

  /** Never throws: every failure is an outcome, counted and logged (device tokens only as a fingerprint). */
  async wake(request: Omit<PushRequest, 'carrier'>, signal: AbortSignal): Promise<WakeOutcome> {
    const outcome = await this.#ask({ ...request, carrier: this.#options.carrier }, signal);
    this.#options.metrics.requests.inc({ provider: request.provider, outcome });
    const facts = { callSid: request.callId, provider: request.provider, device: deviceFingerprint(request.prid), outcome };
    if (outcome === 'sent') this.#options.log.info(facts, 'push sent to wake the callee\'s phone');
    else if (outcome === 'cancelled') this.#options.log.info(facts, 'push abandoned: the call stopped waiting (the caller left, or another phone answered or declined)');
    else this.#options.log.warn(facts, 'push to wake the callee\'s phone failed; not waiting for that device');
    return outcome;
  }

  async #ask(body: PushRequest, signal: AbortSignal): Promise<WakeOutcome> {
    const limit = AbortSignal.timeout((body.ttlSeconds ?? 30) * 1000 + (this.#options.slackMs ?? 2000));
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) return 'cancelled';
      try {
        const response = await fetch(this.#url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.any([signal, limit]),
        });
        const text = await response.text();
        if (response.status === 503 && attempt < drainingRetries) continue;
        const outcome = outcomeOfStatus[response.status];
        if (outcome !== undefined) return outcome;
        this.#options.log.warn({ callSid: body.callId, status: response.status, body: text.slice(0, 300) }, 'push service answered outside its API');
        return 'error';
      } catch (error) {
        if (signal.aborted) return 'cancelled';
        this.#options.log.warn({ callSid: body.callId, err: error }, 'push service unreachable');
        return 'error';
      }
    }
  }
}
