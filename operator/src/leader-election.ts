// Leader election on a coordination.k8s.io Lease, as client-go does it: the holder renews every
// retry period; a lease not renewed within its duration may be taken over. A leader that cannot
// renew within the renew deadline stops leading at once rather than risk two writers.
import type { V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { ApiError, type ApiClient } from '../../api/kube/client.ts';
import { microTime } from '../../api/kube/micro-time.ts';
import { collectionPath, objectPath } from './kube/resources.ts';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
}

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
});

export class LeaderElector {
  private readonly client: ApiClient;
  private readonly options: LeaderElectionOptions;
  private readonly log: Logger;

  constructor(client: ApiClient, options: LeaderElectionOptions, log: Logger) {
    this.client = client;
    this.options = options;
    this.log = log;
  }

  /** Returns true when this identity holds the lease after the attempt. */
  async tryAcquireOrRenew(now = new Date()): Promise<boolean> {
    const { namespace, name, identity, leaseDurationSeconds } = this.options;
    let lease: V1Lease | undefined;
    try {
      lease = await this.client.request<V1Lease>('GET', objectPath('Lease', namespace, name));
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
    const spec = { holderIdentity: identity, leaseDurationSeconds, renewTime: microTime(now) };
    if (!lease) {
      await this.client.request('POST', collectionPath('Lease', namespace), { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: { ...spec, acquireTime: microTime(now), leaseTransitions: 0 } });
      return true;
    }
    const holder = lease.spec?.holderIdentity;
    const renewed = lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : 0;
    const expired = now.getTime() > renewed + (lease.spec?.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    if (holder !== identity && !expired && holder) return false;
    const takeover = holder !== identity;
    const updated = {
      ...lease,
      spec: { ...lease.spec, ...spec, ...(takeover ? { acquireTime: microTime(now), leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1 } : {}) },
    };
    // The resourceVersion in the body makes this a compare-and-swap: of two candidates, one wins.
    await this.client.request('PUT', objectPath('Lease', namespace, name), updated);
    if (takeover) this.log.info({ previous: holder }, 'took over the leader lease');
    return true;
  }

  /** Waits to lead, runs `lead` while leading, and returns when leadership ends or `signal` aborts. */
  async run(signal: AbortSignal, lead: (leading: AbortSignal) => Promise<void>, onChange: (leading: boolean) => void): Promise<void> {
    const { retryPeriodSeconds, renewDeadlineSeconds } = this.options;
    while (!signal.aborted) {
      const acquired = await this.tryAcquireOrRenew().catch((error: unknown) => {
        this.log.warn({ err: error }, 'leader election attempt failed');
        return false;
      });
      if (acquired) break;
      await sleep(retryPeriodSeconds * 1000, signal);
    }
    if (signal.aborted) return;
    this.log.info({ identity: this.options.identity }, 'became leader');
    onChange(true);
    const leading = new AbortController();
    signal.addEventListener('abort', () => leading.abort(), { once: true });
    const renewing = (async () => {
      let lastRenew = Date.now();
      while (!leading.signal.aborted) {
        await sleep(retryPeriodSeconds * 1000, leading.signal);
        if (leading.signal.aborted) break;
        const renewed = await this.tryAcquireOrRenew().catch((error: unknown) => {
          this.log.warn({ err: error }, 'lease renewal failed');
          return false;
        });
        if (renewed) lastRenew = Date.now();
        else if (Date.now() - lastRenew > renewDeadlineSeconds * 1000) {
          this.log.error('lost the leader lease; stopping');
          leading.abort();
        }
      }
    })();
    try {
      await lead(leading.signal);
    } finally {
      leading.abort();
      await renewing;
      onChange(false);
    }
  }
}
