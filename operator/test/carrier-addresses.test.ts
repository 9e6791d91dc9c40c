// A Carrier's status.addresses on a real kube-apiserver: where carriers and customers send SIP, as
// the SIP Service has it. This control plane runs no cloud controller, so the test writes the load
// balancer's address into the Service's status as one would.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testCluster } from '../../testing/cluster.ts';
import { installCrds } from '../../testing/crds.ts';
import { eventually, startOperator } from '../../testing/operator-process.ts';
import { list } from './cluster-objects.ts';

const cluster = await testCluster();
await installCrds(cluster);
startOperator(cluster.kubeconfig, { SWITCHYARD_RESYNC_SECONDS: '600' });
const ns = await cluster.namespace('addresses');

const carrier = (name: string, serviceType: string) => `apiVersion: telecom.switchyard.dev/v1alpha1
kind: Carrier
metadata: {name: ${name}}
spec: {displayName: ${name}, country: KH, mediaRelay: {enabled: false}, sipWorkers: {service: {type: ${serviceType}}}}
`;
const addressesOf = async (name: string) => {
  const found = (await list(cluster, ns, 'carriers')).find((object) => object.metadata.name === name);
  return found?.status === undefined ? undefined : ((found.status as { addresses?: Array<{ type: string; value: string }> }).addresses ?? []);
};

describe('a Carrier\'s addresses', () => {
  test('a LoadBalancer SIP Service: none until its load balancer has an address, then that one, in the status and kubectl get', async () => {
    await cluster.kubectlOk(['apply', '-n', ns, '-f', '-'], { input: carrier('kampot', 'LoadBalancer') });
    assert.deepEqual(await eventually('a status', () => addressesOf('kampot'), 60_000), []);
    await eventually('the SIP Service', async () => (await list(cluster, ns, 'services')).some((service) => service.metadata.name === 'kampot-sip'), 30_000);

    await cluster.kubectlOk(['patch', 'service', 'kampot-sip', '-n', ns, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: '203.0.113.50' }, { hostname: 'kampot.elb.example' }] } } })]);
    const assigned = await eventually('the load balancer\'s addresses', async () => {
      const addresses = await addressesOf('kampot');
      return addresses && addresses.length > 0 ? addresses : undefined;
    }, 30_000);
    assert.deepEqual(assigned, [{ type: 'IPAddress', value: '203.0.113.50' }, { type: 'Hostname', value: 'kampot.elb.example' }]);
    assert.match(await cluster.kubectlOk(['get', 'carrier', 'kampot', '-n', ns]), /ADDRESS[\s\S]*203\.0\.113\.50/);
  });

  test('a ClusterIP SIP Service: its cluster IP', async () => {
    await cluster.kubectlOk(['apply', '-n', ns, '-f', '-'], { input: carrier('kep', 'ClusterIP') });
    const addresses = await eventually('the cluster IP', async () => {
      const found = await addressesOf('kep');
      return found && found.length > 0 ? found : undefined;
    }, 60_000);
    const service = (await list(cluster, ns, 'services')).find((object) => object.metadata.name === 'kep-sip') as { spec?: { clusterIP?: string } } | undefined;
    assert.ok(service?.spec?.clusterIP);
    assert.deepEqual(addresses, [{ type: 'IPAddress', value: service.spec.clusterIP }]);
  });
});
