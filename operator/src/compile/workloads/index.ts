// The workloads a Carrier owns, as pure builders: observed Carrier in, desired objects out.
import type { DesiredObject } from '../desired.ts';
import type { WorkloadInputs } from './inputs.ts';
import { sipWorkerDisruptionBudget } from './disruption-budget.ts';
import { mediaRelayDeployment, mediaRelayService } from './media-relay.ts';
import { pushServiceIdentity } from './push-rbac.ts';
import { pushServiceDeployment, pushServiceService } from './push-service.ts';
import { restApiService, sipService } from './sip-service.ts';
import { sipWorkerAutoscaler } from './sip-worker-autoscaler.ts';
import { sipWorkerDeployment } from './sip-workers.ts';
import { workerIdentity } from './worker-rbac.ts';

export type { CarrierSpec, WorkloadInputs } from './inputs.ts';

/**
 * Every workload object of one Carrier, in a fixed order: worker RBAC first (so pods never start
 * without their permissions), then SIP workers, their Services (SIP, REST API), budget and autoscaler (when asked for), then the media relay and
 * push service (its RBAC first) when enabled. Equal inputs give deep-equal, JSON-identical output.
 */
export function carrierWorkloads(inputs: WorkloadInputs): DesiredObject[] {
  const { spec } = inputs.carrier;
  const autoscaler = sipWorkerAutoscaler(inputs);
  return [
    ...workerIdentity(inputs),
    sipWorkerDeployment(inputs),
    sipService(inputs),
    restApiService(inputs),
    sipWorkerDisruptionBudget(inputs),
    ...(autoscaler ? [autoscaler] : []),
    ...(spec.mediaRelay.enabled ? [mediaRelayDeployment(inputs), mediaRelayService(inputs)] : []),
    ...(spec.push ? [...pushServiceIdentity(inputs), pushServiceDeployment(inputs, spec.push), pushServiceService(inputs)] : []),
  ];
}
