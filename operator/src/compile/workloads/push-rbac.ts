// What a push service may do with the Kubernetes API: keep its pod's Lease (which tells the
// operator whether Apple and Google take the Carrier's credentials), nothing else. It reads its
// keys from mounted Secret volumes, not through the API.
import type { V1Role, V1RoleBinding, V1ServiceAccount } from '@kubernetes/client-node';
import type { DesiredObject } from '../desired.ts';
import { names } from '../names.ts';
import type { WorkloadInputs } from './inputs.ts';
import { desired, objectMeta, type Manifest } from './object-meta.ts';

export function pushServiceAccount(inputs: WorkloadInputs): DesiredObject {
  const account: V1ServiceAccount & Manifest = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: objectMeta(inputs, names.pushService(inputs.carrier.metadata.name), 'push-service'),
  };
  return desired(account);
}

/** As for the workers (worker-rbac.ts), `create` cannot be limited by name, so the rule is namespace-wide and has no `delete`: the Pod owns its Lease. */
export function pushRole(inputs: WorkloadInputs): DesiredObject {
  const role: V1Role & Manifest = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: objectMeta(inputs, names.pushService(inputs.carrier.metadata.name), 'push-service'),
    rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create', 'get', 'update', 'patch'] }],
  };
  return desired(role);
}

export function pushRoleBinding(inputs: WorkloadInputs): DesiredObject {
  const { name, namespace } = inputs.carrier.metadata;
  const binding: V1RoleBinding & Manifest = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: objectMeta(inputs, names.pushService(name), 'push-service'),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: names.pushService(name) },
    subjects: [{ kind: 'ServiceAccount', name: names.pushService(name), namespace }],
  };
  return desired(binding);
}
