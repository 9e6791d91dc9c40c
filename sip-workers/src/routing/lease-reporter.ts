// How a worker tells the operator it is alive and which routing generation it serves: a
// coordination.k8s.io Lease named after its pod, renewed every few seconds and at once when the
// generation changes. The operator (operator/src/observe/observed-state.ts, workers()) counts a
// lease renewed within its duration as a ready worker and compares its generation annotation
// with the one it compiled to set the Carrier's Programmed condition.
import { ApiException, CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { carrierLabel, componentLabel } from '../../../operator/src/compile/names.ts';
import { loadKubeConfig } from './kube-source.ts';
import { silentLogger, type RoutingLogger } from './routing-logger.ts';
import type { RoutingStore } from './routing-store.ts';

/** As the operator reads it (operator/src/observe); the lease test checks the Lease as the operator sees it. */
export const routingGenerationAnnotation = 'telecom.switchyard.dev/routing-generation';

export interface LeaseReporterOptions {
  kubeconfig?: string | KubeConfig;
  namespace: string;
  carrier: string;
  /** The Lease's name and holder (SWITCHYARD_POD_NAME). */
  podName: string;
  /** When known (SWITCHYARD_POD_UID), the Pod owns the Lease and the garbage collector removes it with the Pod. */
  podUID?: string;
  store: Pick<RoutingStore, 'current' | 'onSwap'>;
  leaseDurationSeconds?: number;
  renewIntervalMs?: number;
  logger?: RoutingLogger;
}

export interface LeaseReporter {
  /** Renews now (after any renewal in progress); resolves when done, never rejects. */
  renewNow(): Promise<void>;
  /** Stops renewing; the Lease expires on its own (the worker may not delete Leases). */
  stop(): Promise<void>;
}

const statusOf = (error: unknown) => (error instanceof ApiException ? error.code : undefined);

export function startLeaseReporter(options: LeaseReporterOptions): LeaseReporter {
  const api = loadKubeConfig(options.kubeconfig).makeApiClient(CoordinationV1Api);
  const { namespace, podName: name, store } = options;
  const log = options.logger ?? silentLogger;
  const leaseDurationSeconds = options.leaseDurationSeconds ?? 15;
  let known: V1Lease | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  /** Our fields over whatever the Lease holds (a resourceVersion makes the update a compare-and-swap). */
  const desired = (base: V1Lease | undefined, now: Date): V1Lease => {
    const generation = store.current()?.generation;
    const annotations = { ...base?.metadata?.annotations };
    if (generation === undefined) delete annotations[routingGenerationAnnotation];
    else annotations[routingGenerationAnnotation] = generation;
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        ...base?.metadata,
        name,
        namespace,
        labels: { ...base?.metadata?.labels, [componentLabel]: 'sip-worker', [carrierLabel]: options.carrier },
        annotations,
        ...(options.podUID ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name, uid: options.podUID }] } : {}),
      },
      spec: { ...base?.spec, holderIdentity: name, leaseDurationSeconds, renewTime: new V1MicroTime(now), ...(base ? {} : { acquireTime: new V1MicroTime(now) }) },
    };
  };

  const write = async (): Promise<void> => {
    const now = new Date();
    if (!known) {
      try {
        known = await api.readNamespacedLease({ name, namespace });
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
        known = await api.createNamespacedLease({ namespace, body: desired(undefined, now) });
        return;
      }
    }
    known = await api.replaceNamespacedLease({ name, namespace, body: desired(known, now) });
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
          log.warn({ err: error, lease: name }, 'renewing the worker lease failed; retrying at the next renewal');
        }
      } while (again && !stopped);
      running = undefined;
    })();
    return running;
  };

  const timer = setInterval(() => void renewNow(), options.renewIntervalMs ?? 5000);
  timer.unref();
  const unsubscribe = store.onSwap(() => void renewNow());
  void renewNow();

  return {
    renewNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      unsubscribe();
      await running;
    },
  };
}
