// The push service's pod Lease: alive, and what Apple and Google last said of its credentials.
// The operator reads it into the Carrier's PushCredentialsValid condition, so a platform team sees
// a rejected key in `kubectl get carrier` instead of in a push service log.
import type { ApiClient } from '../../../api/kube/client.ts';
import { pushCredentialsAnnotation } from '../../../api/reports/lease-annotations.ts';
import { startPodLease, type PodLease } from '../pod-lease/pod-lease.ts';
import type { RoutingLogger } from '../routing/routing-logger.ts';
import type { CredentialHealth } from './credential-health.ts';

export interface CredentialLeaseOptions {
  client: ApiClient;
  namespace: string;
  carrier: string;
  podName: string;
  podUID?: string;
  health: Pick<CredentialHealth, 'snapshot' | 'onChange'>;
  renewIntervalMs?: number;
  logger?: RoutingLogger;
}

export function startCredentialLease(options: CredentialLeaseOptions): PodLease {
  const { health, ...lease } = options;
  return startPodLease({
    ...lease,
    component: 'push-service',
    annotations: () => ({ [pushCredentialsAnnotation]: JSON.stringify(health.snapshot()) }),
    onChange: (listener) => health.onChange(listener),
  });
}
