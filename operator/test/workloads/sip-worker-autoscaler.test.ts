// An autoscaled SIP worker pool: the HorizontalPodAutoscaler, and a Deployment that leaves its
// replica count to it.
import type { V1Deployment, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { handedOverField } from '../../src/compile/desired.ts';
import { carrierWorkloads } from '../../src/compile/workloads/index.ts';
import { find, inputsFor, minimalSpec, type SpecInput } from './fixtures.ts';

const name = 'mekong-telecom-sip-worker';
const autoscaled = (autoscaling: NonNullable<SpecInput['sipWorkers']>['autoscaling']): SpecInput =>
  minimalSpec({ sipWorkers: { replicas: 5, resources: { requests: { cpu: '500m' } }, autoscaling } });

describe('SIP worker autoscaling', () => {
  test('without autoscaling there is no autoscaler and the Deployment sets spec.replicas', () => {
    const objects = carrierWorkloads(inputsFor(minimalSpec({ sipWorkers: { replicas: 5 } })));
    assert.equal(objects.some((object) => object.kind === 'HorizontalPodAutoscaler'), false);
    const deployment = objects.find((object) => object.kind === 'Deployment' && object.metadata.name === name);
    assert.equal((deployment as V1Deployment | undefined)?.spec?.replicas, 5);
    assert.equal(deployment?.[handedOverField], undefined);
  });

  test('with autoscaling the Deployment leaves replicas out (the autoscaler owns them) and hands them over from minReplicas', () => {
    const objects = carrierWorkloads(inputsFor(autoscaled({ minReplicas: 3, maxReplicas: 12, targetCPUUtilizationPercentage: 65 })));
    const deployment = find<V1Deployment>(objects, 'Deployment', name);
    assert.equal('replicas' in (deployment.spec ?? {}), false);
    assert.deepEqual(objects.find((object) => object.kind === 'Deployment' && object.metadata.name === name)?.[handedOverField], { path: ['spec', 'replicas'], initial: 3 });
    assert.equal(JSON.stringify(deployment).includes('handedOver'), false, 'the handover is not part of the applied body');
  });

  test('the autoscaler targets the worker Deployment, on CPU, calls in progress or both, and shrinks one worker per drain period', () => {
    const cpuOnly = find<V2HorizontalPodAutoscaler>(carrierWorkloads(inputsFor(autoscaled({ maxReplicas: 6, targetCPUUtilizationPercentage: 70 }))), 'HorizontalPodAutoscaler', name);
    assert.deepEqual(cpuOnly.spec, {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: 2,
      maxReplicas: 6,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
    });
    const callsOnly = find<V2HorizontalPodAutoscaler>(
      carrierWorkloads(inputsFor(minimalSpec({ sipWorkers: { autoscaling: { maxReplicas: 6, targetActiveCallsPerPod: 800, scaleDownStabilizationSeconds: 900 } } }))),
      'HorizontalPodAutoscaler', name,
    );
    assert.deepEqual(callsOnly.spec?.metrics, [{ type: 'Pods', pods: { metric: { name: 'switchyard_active_calls' }, target: { type: 'AverageValue', averageValue: '800' } } }]);
    assert.equal(callsOnly.spec?.behavior?.scaleDown?.stabilizationWindowSeconds, 900);
  });

  test('the autoscaler comes right after the worker pool\'s budget', () => {
    const kinds = carrierWorkloads(inputsFor(autoscaled({ maxReplicas: 6, targetCPUUtilizationPercentage: 70 }))).map((object) => object.kind);
    assert.equal(kinds.indexOf('HorizontalPodAutoscaler'), kinds.indexOf('PodDisruptionBudget') + 1);
  });
});
