// How a worker tells the operator it is alive, which routing generation it serves, which
// outbound trunks its health checks find down and how its carrier events are delivered: its pod
// Lease (../pod-lease), renewed at once when any of these changes. The operator
// (operator/src/observe/observed-state.ts, workers()) counts a lease renewed within its duration as
// a ready worker and compares its generation annotation with the one it compiled to set the
// Carrier's Programmed condition.
import type { ApiClient } from '../../../api/kube/client.ts';
import { eventWebhookAnnotation, routingGenerationAnnotation, trunksDownAnnotation, trunksDownValue } from '../../../api/reports/lease-annotations.ts';
import { startPodLease, type PodLease } from '../pod-lease/pod-lease.ts';
import type { RoutingLogger } from './routing-logger.ts';
import type { RoutingStore } from './routing-store.ts';

export { routingGenerationAnnotation };

export interface LeaseReporterOptions {
  client: ApiClient;
  namespace: string;
  carrier: string;
  /** The Lease's name and holder (SWITCHYARD_POD_NAME). */
  podName: string;
  /** When known (SWITCHYARD_POD_UID), the Pod owns the Lease and the garbage collector removes it with the Pod. */
  podUID?: string;
  store: Pick<RoutingStore, 'current' | 'onSwap'>;
  /** The outbound trunks this worker's health checks find down, reported as they change. */
  trunks?: { down(): string[]; onChange(listener: () => void): () => void };
  /** How deliveries to the Carrier's event webhook go (carrier-events/delivery-health.ts), reported as it changes. */
  events?: { value(): string | undefined; onChange(listener: () => void): () => void };
  leaseDurationSeconds?: number;
  renewIntervalMs?: number;
  logger?: RoutingLogger;
}

export type LeaseReporter = PodLease;

export function startLeaseReporter(options: LeaseReporterOptions): LeaseReporter {
  const { store, trunks, events, ...lease } = options;
  return startPodLease({
    ...lease,
    component: 'sip-worker',
    annotations: () => ({ [routingGenerationAnnotation]: store.current()?.generation, [trunksDownAnnotation]: trunksDownValue(trunks?.down() ?? []), [eventWebhookAnnotation]: events?.value() }),
    onChange: (listener) => {
      const unsubscribes = [store.onSwap(listener), ...(trunks ? [trunks.onChange(listener)] : []), ...(events ? [events.onChange(listener)] : [])];
      return () => unsubscribes.forEach((unsubscribe) => unsubscribe());
    },
  });
}
