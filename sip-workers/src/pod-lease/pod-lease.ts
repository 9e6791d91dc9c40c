// How a Switchyard pod (a SIP worker, a push service) tells the operator it is alive and what it
// knows: a coordination.k8s.io Lease named after the pod, labelled with its component and Carrier,
// renewed every few seconds and at once when what it reports changes. The operator
// (operator/src/observe) counts a Lease renewed within its duration as a live pod and reads its
// annotations (api/reports/lease-annotations.ts) into the Carrier's status.
import { ApiError, type ApiClient } from '../../../api/kube/client.ts';
import { microTime } from '../../../api/kube/micro-time.ts';
import { collectionPathOf, objectPathOf } from '../../../api/kube/paths.ts';
import { carrierLabel, componentLabel } from '../../../operator/src/compile/names.ts';
import { silentLogger, type RoutingLogger } from '../routing/routing-logger.ts';

export interface PodLeaseOptions {
  client: ApiClient;
  namespace: string;
  carrier: string;
  component: 'sip-worker' | 'push-service';
  /** The Lease's name and holder (SWITCHYARD_POD_NAME). */
  podName: string;
  /** When known (SWITCHYARD_POD_UID), the Pod owns the Lease and the garbage collector removes it with the Pod. */
  podUID?: string;
  /** What the pod reports now; an undefined value removes that annotation. */
  annotations: () => Record<string, string | undefined>;
  /** Calls back when the report changes, so the Lease says so at once; returns the unsubscribe. */
  onChange?: (listener: () => void) => () => void;
  leaseDurationSeconds?: number;
  renewIntervalMs?: number;
  logger?: RoutingLogger;
}

export interface PodLease {
  /** Renews now (after any renewal in progress); resolves when done, never rejects. */
  renewNow(): Promise<void>;
  /** Stops renewing; the Lease expires on its own (the pod may not delete Leases). */
  stop(): Promise<void>;
}

/** The Lease as read and written: what the pod sets, and the rest (resourceVersion, managedFields) carried through. */
interface Lease {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

const statusOf = (error: unknown) => (error instanceof ApiError ? error.status : undefined);

export function startPodLease(options: PodLeaseOptions): PodLease {
  const { client, namespace, podName: name } = options;
  const leases = collectionPathOf('coordination.k8s.io/v1', 'leases', namespace);
  const leasePath = objectPathOf('coordination.k8s.io/v1', 'leases', namespace, name);
  const log = options.logger ?? silentLogger;
  const leaseDurationSeconds = options.leaseDurationSeconds ?? 15;
  let known: Lease | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  /** Our fields over whatever the Lease holds (a resourceVersion makes the update a compare-and-swap). */
  const desired = (base: Lease | undefined, now: Date): Lease => {
    const annotations = { ...base?.metadata?.annotations };
    for (const [key, value] of Object.entries(options.annotations())) {
      if (value === undefined) delete annotations[key];
      else annotations[key] = value;
    }
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        ...base?.metadata,
        name,
        namespace,
        labels: { ...base?.metadata?.labels, [componentLabel]: options.component, [carrierLabel]: options.carrier },
        annotations,
        ...(options.podUID ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name, uid: options.podUID }] } : {}),
      },
      spec: { ...base?.spec, holderIdentity: name, leaseDurationSeconds, renewTime: microTime(now), ...(base ? {} : { acquireTime: microTime(now) }) },
    };
  };

  const write = async (): Promise<void> => {
    const now = new Date();
    if (!known) {
      try {
        known = await client.request<Lease>('GET', leasePath);
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
        known = await client.request<Lease>('POST', leases, desired(undefined, now));
        return;
      }
    }
    known = await client.request<Lease>('PUT', leasePath, desired(known, now));
  };

  const renew = async (): Promise<void> => {
    try {
      await write();
    } catch (error) {
      // Someone else wrote the Lease (or deleted it) since we read it: read it again, once.
      const status = statusOf(error);
      known = undefined;
      if (status !== 409 && status !== 404) throw error;
      await write();
    }
  };

  const renewNow = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await renew();
        } catch (error) {
          known = undefined;
          log.warn({ err: error, lease: name }, `renewing the ${options.component} lease failed; retrying at the next renewal`);
        }
      } while (again && !stopped);
      running = undefined;
    })();
    return running;
  };

  const timer = setInterval(() => void renewNow(), options.renewIntervalMs ?? 5000);
  timer.unref();
  const unsubscribe = options.onChange?.(() => void renewNow());
  void renewNow();

  return {
    renewNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      unsubscribe?.();
      await running;
    },
  };
}
