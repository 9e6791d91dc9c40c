// The PodDisruptionBudget that keeps voluntary evictions (node drains) from emptying the SIP pool.
import type { V1PodDisruptionBudget } from '@kubernetes/client-node';
import type { DesiredObject } from '../desired.ts';
import { names, selectorFor } from '../names.ts';
import type { WorkloadInputs } from './inputs.ts';
import { desired, objectMeta, type Manifest } from './object-meta.ts';

/**
 * maxUnavailable 1 at every replica count. With 2+ workers it evicts one at a time, so a drain
 * never takes the trunk down. With 1 worker it still allows the eviction: minAvailable 1 (or
 * maxUnavailable 0) would block every node drain and cluster upgrade forever, and a single-worker
 * Carrier has accepted a gap on disruption by choosing one replica.
 * unhealthyPodEvictionPolicy AlwaysAllow: a crash-looping or unready worker serves nothing, so it
 * must not hold a drain hostage either.
 */
export function sipWorkerDisruptionBudget(inputs: WorkloadInputs): DesiredObject {
  const carrier = inputs.carrier.metadata.name;
  const budget: V1PodDisruptionBudget & Manifest = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: objectMeta(inputs, names.sipWorkers(carrier), 'sip-worker'),
    spec: {
      maxUnavailable: 1,
      selector: { matchLabels: selectorFor(carrier, 'sip-worker') },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  };
  return desired(budget);
}
