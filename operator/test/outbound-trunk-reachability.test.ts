// An OutboundTrunk's Reachable condition on a real kube-apiserver: the operator reads what the SIP
// workers' Leases say their OPTIONS health checks found (the Leases are written here as a worker
// writes them, sip-workers/src/routing/lease-reporter.ts) into the trunk's status.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { trunksDownAnnotation } from '../../api/reports/lease-annotations.ts';
import { testCluster } from '../../testing/cluster.ts';
import { installCrds } from '../../testing/crds.ts';
import { eventually, startOperator } from '../../testing/operator-process.ts';
import { carrierLabel, componentLabel } from '../src/compile/names.ts';
import { conditionOf, list } from './cluster-objects.ts';

const cluster = await testCluster();
await installCrds(cluster);
startOperator(cluster.kubeconfig, { SWITCHYARD_RESYNC_SECONDS: '2' });
const ns = await cluster.namespace('reachability');

const workerLease = (pod: string, trunksDown: string[]) => JSON.stringify({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: {
    name: pod, namespace: ns,
    labels: { [componentLabel]: 'sip-worker', [carrierLabel]: 'tonle-sap' },
    annotations: trunksDown.length === 0 ? {} : { [trunksDownAnnotation]: JSON.stringify(trunksDown) },
  },
  spec: { holderIdentity: pod, leaseDurationSeconds: 3600, renewTime: new Date().toISOString().replace('Z', '000Z') },
});
const reachable = async () => conditionOf((await list(cluster, ns, 'outboundtrunks')).find((trunk) => trunk.metadata.name === 'tonle-pstn'), 'Reachable');

describe('an OutboundTrunk with a health check', () => {
  test('is Reachable as the workers\' Leases report their probes: Unknown without workers, False while one finds it down, True again', async () => {
    await cluster.kubectlOk(['apply', '-n', ns, '-f', '-'], { input: `apiVersion: telecom.switchyard.dev/v1alpha1
kind: Carrier
metadata: {name: tonle-sap}
spec: {displayName: Tonle Sap, country: KH, mediaRelay: {enabled: false}}
---
apiVersion: telecom.switchyard.dev/v1alpha1
kind: OutboundTrunk
metadata: {name: tonle-pstn}
spec: {carrierRef: {name: tonle-sap}, host: gw.tonle.example, routePrefixes: ["855"], healthCheck: {intervalSeconds: 10}}
` });
    assert.equal((await eventually('Reachable Unknown', async () => (await reachable())?.status === 'Unknown' ? await reachable() : undefined, 60_000))?.reason, 'NoReadyWorkers');

    await cluster.kubectlOk(['apply', '-f', '-'], { input: workerLease('tonle-sap-sip-worker-a', ['tonle-pstn']) });
    await cluster.kubectlOk(['apply', '-f', '-'], { input: workerLease('tonle-sap-sip-worker-b', []) });
    const down = await eventually('Reachable False', async () => ((await reachable())?.status === 'False' ? reachable() : undefined), 30_000);
    assert.equal(down?.reason, 'HealthCheckFailing');
    assert.match(down?.message ?? '', /1 of 2 ready workers \(tonle-sap-sip-worker-a\)/);
    const columns = await cluster.kubectlOk(['get', 'outboundtrunk', 'tonle-pstn', '-n', ns]);
    assert.match(columns, /REACHABLE/);

    await cluster.kubectlOk(['apply', '-f', '-'], { input: workerLease('tonle-sap-sip-worker-a', []) });
    const up = await eventually('Reachable True', async () => ((await reachable())?.status === 'True' ? reachable() : undefined), 30_000);
    assert.equal(up?.reason, 'Answering');
    // Going down and coming back are events; the first answer after start-up (Unknown → True) is not.
    const events = await eventually('both events', async () => {
      const found = (JSON.parse(await cluster.kubectlOk(['get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=tonle-pstn', '-o', 'json'])) as { items: Array<{ type: string; reason: string }> }).items;
      return found.length >= 2 ? found : undefined;
    }, 30_000);
    assert.deepEqual(events.map((event) => `${event.type} ${event.reason}`).sort(), ['Normal Answering', 'Warning HealthCheckFailing']);
  });
});
