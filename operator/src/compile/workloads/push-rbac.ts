// What a push service may do with the Kubernetes API: keep its pod's Lease (which tells the
// operator whether Apple and Google take the Carrier's credentials), nothing else. It reads its
// keys from mounted Secret volumes, not through the API.
import type { V1PolicyRule } from '@kubernetes/client-node';
import type { DesiredObject } from '../desired.ts';
import { names } from '../names.ts';
import type { WorkloadInputs } from './inputs.ts';
import { podIdentity, podLeaseRule } from './pod-identity.ts';

export const pushServiceRules: V1PolicyRule[] = [podLeaseRule];

/** ServiceAccount, Role and RoleBinding, all named `<carrier>-push`. */
export function pushServiceIdentity(inputs: WorkloadInputs): DesiredObject[] {
  return podIdentity(inputs, names.pushService(inputs.carrier.metadata.name), 'push-service', pushServiceRules);
}
