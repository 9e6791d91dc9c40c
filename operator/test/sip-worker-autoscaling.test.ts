// An autoscaled SIP worker pool against a real kube-apiserver: the operator writes the
// HorizontalPodAutoscaler and leaves the Deployment's replica count to it. This control plane runs
// no HPA controller, so the test scales the Deployment through its scale subresource under another
// field manager, exactly as the HPA controller does.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testCluster } from '../../testing/cluster.ts';
import { installCrds } from '../../testing/crds.ts';
import { eventually, startOperator, type OperatorProcess } from '../../testing/operator-process.ts';
import { fieldManager } from '../src/compile/names.ts';
import { handoverFieldManager } from '../src/apply/field-handover.ts';

const cluster = await testCluster();
await installCrds(cluster);
const operator: OperatorProcess = startOperator(cluster.kubeconfig, { SWITCHYARD_RESYNC_SECONDS: '2' });
const ns = await cluster.namespace('autoscaling');
const deploymentName = 'tonle-sap-sip-worker';

interface ManagedFields { manager: string; operation: string; subresource?: string; fieldsV1?: { 'f:spec'?: Record<string, unknown> } }
interface Deployment { spec: { replicas: number; template: { spec: { containers: Array<{ env?: Array<{ name: string; value?: string }> }> } } }; metadata: { managedFields: ManagedFields[] } }

const carrier = (sipWorkers: string, maxCallSeconds = 14400) => `apiVersion: telecom.switchyard.dev/v1alpha1
kind: Carrier
metadata: {name: tonle-sap}
spec:
  displayName: Tonle Sap Telecom
  country: KH
  mediaRelay: {enabled: false}
  calls: {maxDurationSeconds: ${maxCallSeconds}}
  sipWorkers:
${sipWorkers}
`;
const autoscaled = (minReplicas: number) => `    resources: {requests: {cpu: 500m}}
    autoscaling: {minReplicas: ${minReplicas}, maxReplicas: 8, targetCPUUtilizationPercentage: 60, targetActiveCallsPerPod: 400}`;

const applyCarrier = (text: string) => cluster.kubectlOk(['apply', '-n', ns, '-f', '-'], { input: text });
const deployment = async () => JSON.parse(await cluster.kubectlOk(['get', 'deployment', deploymentName, '-n', ns, '-o', 'json', '--show-managed-fields'])) as Deployment;
const autoscalers = async () => (JSON.parse(await cluster.kubectlOk(['get', 'horizontalpodautoscalers', '-n', ns, '-o', 'json'])) as { items: Array<{ metadata: { name: string }; spec: Record<string, unknown> }> }).items;
/** Managers that own spec.replicas, as manager/operation[/subresource]. */
const replicasOwners = (object: Deployment) => object.metadata.managedFields
  .filter((entry) => entry.fieldsV1?.['f:spec']?.['f:replicas'] !== undefined)
  .map((entry) => [entry.manager, entry.operation, ...(entry.subresource ? [entry.subresource] : [])].join('/'))
  .sort();
const envValue = (object: Deployment, name: string) => object.spec.template.spec.containers[0]?.env?.find((variable) => variable.name === name)?.value;
/** What the HPA controller does: an update of the scale subresource, under its own manager. */
const scaleAsAutoscaler = (replicas: number) => cluster.kubectlOk(['scale', 'deployment', deploymentName, '-n', ns, `--replicas=${replicas}`]);

describe('a SIP worker pool with autoscaling', () => {
  test('a fixed pool handed to an autoscaler keeps its replica count through the handover, then follows the autoscaler', async () => {
    await applyCarrier(carrier('    replicas: 4'));
    await eventually('the fixed pool of 4', async () => (await deployment().catch(() => undefined))?.spec.replicas === 4, 60_000);
    assert.deepEqual(replicasOwners(await deployment()), [`${fieldManager}/Apply`]);
    assert.deepEqual(await autoscalers(), []);

    // Had the operator simply stopped applying replicas, the API server would have defaulted it to 1.
    await applyCarrier(carrier(`    replicas: 4\n${autoscaled(2)}`));
    const [autoscaler] = await eventually('the HorizontalPodAutoscaler', async () => {
      const found = await autoscalers();
      return found.length > 0 ? found : undefined;
    }, 60_000);
    assert.equal(autoscaler?.metadata.name, deploymentName);
    assert.deepEqual(autoscaler?.spec, {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: deploymentName },
      minReplicas: 2,
      maxReplicas: 8,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
        { type: 'Pods', pods: { metric: { name: 'switchyard_active_calls' }, target: { type: 'AverageValue', averageValue: '400' } } },
      ],
      behavior: {
        scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
        scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
      },
    });
    await eventually('the operator no longer applies replicas', async () => !replicasOwners(await deployment()).includes(`${fieldManager}/Apply`), 30_000);
    const handedOver = await deployment();
    assert.equal(handedOver.spec.replicas, 4);
    assert.deepEqual(replicasOwners(handedOver), [`${handoverFieldManager}/Apply`]);

    await scaleAsAutoscaler(6);
    // A change to the pool's pods makes the operator apply the Deployment again.
    await applyCarrier(carrier(`    replicas: 4\n${autoscaled(2)}`, 7200));
    await eventually('the new pod template applied', async () => envValue(await deployment(), 'SWITCHYARD_MAX_CALL_SECONDS') === '7200', 30_000);
    const afterEdit = await deployment();
    assert.equal(afterEdit.spec.replicas, 6, 'the operator left the autoscaler\'s count alone');
    assert.ok(!replicasOwners(afterEdit).includes(`${fieldManager}/Apply`));

    const writesBefore = await operator.metric('switchyard_writes_total');
    await new Promise((resolve) => setTimeout(resolve, 5000));
    assert.equal(await operator.metric('switchyard_writes_total'), writesBefore, 'no writes over two resyncs');
    assert.equal((await deployment()).spec.replicas, 6);
  });

  test('turning autoscaling off deletes the autoscaler and sets the fixed count again', async () => {
    await applyCarrier(carrier('    replicas: 3', 7200));
    await eventually('the autoscaler deleted and 3 replicas', async () => (await autoscalers()).length === 0 && (await deployment()).spec.replicas === 3, 60_000);
    assert.ok(replicasOwners(await deployment()).includes(`${fieldManager}/Apply`));
  });

  test('a new Carrier with autoscaling starts its pool at minReplicas, not at the API server\'s default of 1', async () => {
    await cluster.kubectlOk(['delete', 'carrier', 'tonle-sap', '-n', ns]);
    await eventually('the old pool garbage-collected', async () => (await deployment().catch(() => undefined)) === undefined, 60_000);
    await applyCarrier(carrier(autoscaled(3)));
    const created = await eventually('the new pool', () => deployment().catch(() => undefined), 60_000);
    assert.equal(created.spec.replicas, 3);
    await eventually('handed over', async () => !replicasOwners(await deployment()).includes(`${fieldManager}/Apply`), 30_000);
    assert.equal((await deployment()).spec.replicas, 3);
  });
});
