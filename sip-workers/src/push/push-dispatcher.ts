// One push per call and device: a request is looked up in the ledger (a worker's retry gets the
// first answer), handed to its provider's gateway, retried within the call's deadline, and its
// outcome counted, logged and fed to the credential health.
import { createHash } from 'node:crypto';
import type { WorkerLogger } from '../worker/logger.ts';
import type { CallLedger } from './call-ledger.ts';
import type { CredentialHealth } from './credential-health.ts';
import type { Provider, PushOutcome } from './gateway-outcome.ts';
import type { PushMetrics } from './metrics.ts';
import type { PushGateway } from './push-gateway.ts';
import type { PushRequest } from './push-request.ts';
import { sendWithRetries, type Clock, type RetryPolicy } from './retry-policy.ts';

export interface PushResult {
  provider: Provider;
  outcome: PushOutcome;
  /** Requests made to the gateway (0 when refused before calling out). */
  attempts: number;
}

export interface PushReply extends PushResult {
  /** True when this call and device were already pushed and this is that push's result. */
  duplicate: boolean;
}

export interface DispatcherDependencies {
  gateways: Partial<Record<Provider, PushGateway>>;
  ledger: CallLedger<PushResult>;
  retry: RetryPolicy;
  defaultTtlSeconds: number;
  health: CredentialHealth;
  metrics: PushMetrics;
  log: WorkerLogger;
  clock: Clock;
}

/** Device tokens are credentials of a sort: logs carry a fingerprint that still tells devices apart. */
export function deviceFingerprint(prid: string): string {
  return createHash('sha256').update(prid).digest('hex').slice(0, 12);
}

export class PushDispatcher {
  readonly #deps: DispatcherDependencies;
  readonly #inFlight = new Set<Promise<PushResult>>();

  constructor(deps: DispatcherDependencies) {
    this.#deps = deps;
  }

  async push(request: PushRequest): Promise<PushReply> {
    const key = `${request.callId}\u0000${request.provider}\u0000${request.prid}`;
    const { result, duplicate } = this.#deps.ledger.once(key, () => this.#track(this.#deliver(request)));
    if (duplicate) this.#deps.metrics.duplicates.inc({ provider: request.provider });
    return { ...(await result), duplicate };
  }

  /** Resolves once every push in flight has its outcome. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  #track(result: Promise<PushResult>): Promise<PushResult> {
    this.#inFlight.add(result);
    void result.finally(() => this.#inFlight.delete(result));
    return result;
  }

  async #deliver(request: PushRequest): Promise<PushResult> {
    const { clock, metrics } = this.#deps;
    const startedAt = clock.now();
    const { outcome, attempts } = await this.#send(request, startedAt);
    const provider = request.provider;
    metrics.seconds.observe({ provider }, (clock.now() - startedAt) / 1000);
    if (outcome.kind === 'sent') metrics.sent.inc({ provider });
    else metrics.failed.inc({ provider, outcome: outcome.kind, reason: outcome.reason });
    if (outcome.kind === 'sent') this.#deps.health.accepted(provider);
    if (outcome.kind === 'bad-credentials' && outcome.reason !== 'KeyUnreadable') this.#deps.health.rejected(provider, outcome.reason, outcome.message);
    this.#deps.log[outcome.kind === 'sent' ? 'info' : 'warn']({
      callId: request.callId, provider, device: deviceFingerprint(request.prid), outcome: outcome.kind,
      ...(outcome.kind === 'sent' ? { id: outcome.id } : { reason: outcome.reason }),
      ...('detail' in outcome && outcome.detail !== undefined ? { detail: outcome.detail } : {}),
      attempts, ms: clock.now() - startedAt,
    }, outcome.kind === 'sent' ? 'push sent' : 'push not sent');
    return { provider, outcome, attempts };
  }

  async #send(request: PushRequest, startedAt: number): Promise<{ outcome: PushOutcome; attempts: number }> {
    const gateway = this.#deps.gateways[request.provider];
    if (!gateway) {
      const credentials = this.#deps.health.get(request.provider);
      if (credentials?.state === 'unreadable') return { outcome: { kind: 'bad-credentials', reason: 'KeyUnreadable', message: credentials.message ?? '' }, attempts: 0 };
      return { outcome: { kind: 'rejected', reason: 'ProviderNotConfigured' }, attempts: 0 };
    }
    const ttlSeconds = request.ttlSeconds ?? this.#deps.defaultTtlSeconds;
    const prepared = gateway.prepare(request, ttlSeconds);
    if ('refused' in prepared) {
      const refused = prepared.refused;
      return { outcome: refused.kind === 'retry' ? { kind: 'unavailable', reason: refused.reason } : refused, attempts: 0 };
    }
    return sendWithRetries(() => prepared.attempt(), this.#deps.retry, startedAt + ttlSeconds * 1000, this.#deps.clock);
  }
}
