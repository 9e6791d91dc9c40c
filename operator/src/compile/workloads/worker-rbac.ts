// What a SIP worker may do with the Kubernetes API: its ServiceAccount, a namespaced Role and the
// RoleBinding between them (pod-identity.ts). Nothing here is cluster-wide.
import type { V1PolicyRule } from '@kubernetes/client-node';
import type { DesiredObject } from '../desired.ts';
import { names } from '../names.ts';
import type { WorkloadInputs } from './inputs.ts';
import { podIdentity, podLeaseRule } from './pod-identity.ts';

export function routingConfigMapNames(carrier: string, shardCount: number): string[] {
  return [names.routingManifest(carrier), ...Array.from({ length: shardCount }, (_, index) => names.routingShard(carrier, index))];
}

/**
 * - ConfigMaps: read and watch only the routing manifest and its shards, by name. (`list` and
 *   `watch` with resourceNames are authorised for requests with a metadata.name field selector,
 *   which is how a worker watches one object.) Growing the shard count updates this Role; the
 *   operator must apply it before publishing a manifest that names the new shards.
 * - Secrets: only the Carrier's worker Secret, by name.
 * - Reporting the routing generation a worker serves: through a Lease per worker pod
 *   (coordination.k8s.io), which the worker creates and renews. Alternatives were worse: patching
 *   its own Pod cannot be scoped by name ahead of time (pod names are random), so it would mean
 *   `patch` on every Pod in the namespace, including relabelling pods into other Services'
 *   selectors. `create` cannot be limited by resourceNames at all, so the Lease rule is namespace-
 *   wide; the residual risk is a compromised worker overwriting other Leases in the Carrier's
 *   namespace, which is why nothing else (e.g. the operator's leader election) should keep Leases
 *   there. No `delete`: the worker makes its Pod the Lease's owner, so the garbage collector
 *   removes it with the Pod (an ownerReference without blockOwnerDeletion needs no extra right).
 */
export function workerRules(inputs: WorkloadInputs): V1PolicyRule[] {
  const carrier = inputs.carrier.metadata.name;
  return [
    { apiGroups: [''], resources: ['configmaps'], resourceNames: routingConfigMapNames(carrier, inputs.routingShardCount), verbs: ['get', 'list', 'watch'] },
    { apiGroups: [''], resources: ['secrets'], resourceNames: [names.workerSecrets(carrier)], verbs: ['get', 'list', 'watch'] },
    podLeaseRule,
  ];
}

/** ServiceAccount, Role and RoleBinding, all named `<carrier>-sip-worker`. */
export function workerIdentity(inputs: WorkloadInputs): DesiredObject[] {
  return podIdentity(inputs, names.sipWorkers(inputs.carrier.metadata.name), 'sip-worker', workerRules(inputs));
}
