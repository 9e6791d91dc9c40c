// Whether each provider takes our credentials, as last seen: what /v1/status and the pod's Lease
// report (the operator turns the Lease into the Carrier's PushCredentialsValid condition), and the
// one log line an on-call engineer needs when a Secret holds the wrong key. Only changes are logged, not every push.
import type { ProviderCredentials } from '../../../api/reports/lease-annotations.ts';
import type { WorkerLogger } from '../worker/logger.ts';
import type { Provider } from './gateway-outcome.ts';
import type { PushMetrics } from './metrics.ts';

export type { ProviderCredentials };
export type CredentialState = ProviderCredentials['state'];

export class CredentialHealth {
  readonly #providers = new Map<Provider, ProviderCredentials>();
  readonly #metrics: PushMetrics;
  readonly #log: WorkerLogger;
  readonly #now: () => number;
  readonly #listeners = new Set<() => void>();

  constructor(providers: Provider[], metrics: PushMetrics, log: WorkerLogger, now: () => number) {
    this.#metrics = metrics;
    this.#log = log;
    this.#now = now;
    for (const provider of providers) this.#providers.set(provider, { state: 'unknown', since: new Date(now()).toISOString() });
  }

  accepted(provider: Provider): void {
    if (this.#set(provider, { state: 'valid' })) this.#log.info({ event: 'push-credentials-accepted', provider }, `${provider} accepted the push credentials`);
  }

  rejected(provider: Provider, reason: string, message: string): void {
    if (this.#set(provider, { state: 'rejected', reason, message })) this.#log.error({ event: 'push-credentials-rejected', provider, reason }, message);
  }

  unreadable(provider: Provider, message: string): void {
    if (this.#set(provider, { state: 'unreadable', reason: 'KeyUnreadable', message })) this.#log.error({ event: 'push-credentials-rejected', provider, reason: 'KeyUnreadable' }, message);
  }

  get(provider: Provider): ProviderCredentials | undefined {
    return this.#providers.get(provider);
  }

  snapshot(): Partial<Record<Provider, ProviderCredentials>> {
    return Object.fromEntries(this.#providers);
  }

  /** Calls back after every change of state (the pod's Lease reports it to the operator); returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #set(provider: Provider, next: Omit<ProviderCredentials, 'since'>): boolean {
    const current = this.#providers.get(provider);
    this.#metrics.credentialsValid.set({ provider }, next.state === 'valid' ? 1 : 0);
    if (current?.state === next.state && current.reason === next.reason) return false;
    this.#providers.set(provider, { ...next, since: new Date(this.#now()).toISOString() });
    for (const listener of this.#listeners) listener();
    return true;
  }
}
