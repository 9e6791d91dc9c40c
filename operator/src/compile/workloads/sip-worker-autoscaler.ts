// The HorizontalPodAutoscaler of a SIP worker pool whose Carrier asks for autoscaling.
import type { V2HorizontalPodAutoscaler, V2MetricSpec } from '@kubernetes/client-node';
import { activeCallsMetric } from '../../../../api/reports/worker-metrics.ts';
import type { DesiredObject } from '../desired.ts';
import { names } from '../names.ts';
import type { WorkloadInputs } from './inputs.ts';
import { desired, objectMeta, type Manifest } from './object-meta.ts';
import { drainSeconds } from './sip-workers.ts';

/**
 * Scales up as fast as the autoscaler's defaults allow (new calls need room now) and down one
 * worker per drain period after load has stayed low for the stabilization window: a removed worker
 * refuses new calls and keeps its calls for up to drainSeconds, so removing several at once would
 * push their next calls onto fewer workers at the same moment.
 */
export function sipWorkerAutoscaler(inputs: WorkloadInputs): DesiredObject | undefined {
  const autoscaling = inputs.carrier.spec.sipWorkers.autoscaling;
  if (!autoscaling) return undefined;
  const name = names.sipWorkers(inputs.carrier.metadata.name);
  const metrics: V2MetricSpec[] = [
    ...(autoscaling.targetCPUUtilizationPercentage === undefined
      ? []
      : [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: autoscaling.targetCPUUtilizationPercentage } } }]),
    ...(autoscaling.targetActiveCallsPerPod === undefined
      ? []
      : [{ type: 'Pods', pods: { metric: { name: activeCallsMetric }, target: { type: 'AverageValue', averageValue: String(autoscaling.targetActiveCallsPerPod) } } }]),
  ];
  const autoscaler: V2HorizontalPodAutoscaler & Manifest = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: objectMeta(inputs, name, 'sip-worker'),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: autoscaling.minReplicas,
      maxReplicas: autoscaling.maxReplicas,
      metrics,
      behavior: {
        scaleDown: {
          stabilizationWindowSeconds: autoscaling.scaleDownStabilizationSeconds,
          policies: [{ type: 'Pods', value: 1, periodSeconds: drainSeconds }],
        },
      },
    },
  };
  return desired(autoscaler);
}
