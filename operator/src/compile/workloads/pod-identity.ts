// A component's identity towards the Kubernetes API: a ServiceAccount, a namespaced Role with the
// rules it needs and the RoleBinding between them, all three named alike. Nothing cluster-wide.
import type { V1PolicyRule, V1Role, V1RoleBinding, V1ServiceAccount } from '@kubernetes/client-node';
import type { DesiredObject } from '../desired.ts';
import type { Component } from '../names.ts';
import type { WorkloadInputs } from './inputs.ts';
import { desired, objectMeta, type Manifest } from './object-meta.ts';

/**
 * How a pod reports to the operator: through a Lease of its own (sip-workers/src/pod-lease). `create`
 * cannot be limited by name, so the rule is namespace-wide; no `delete`: the Pod owns its Lease and
 * the garbage collector removes it with the Pod.
 */
export const podLeaseRule: V1PolicyRule = { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create', 'get', 'update', 'patch'] };

export function podIdentity(inputs: WorkloadInputs, name: string, component: Component, rules: V1PolicyRule[]): DesiredObject[] {
  const { namespace } = inputs.carrier.metadata;
  const account: V1ServiceAccount & Manifest = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: objectMeta(inputs, name, component) };
  const role: V1Role & Manifest = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: objectMeta(inputs, name, component), rules };
  const binding: V1RoleBinding & Manifest = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: objectMeta(inputs, name, component),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', name, namespace }],
  };
  return [desired(account), desired(role), desired(binding)];
}
