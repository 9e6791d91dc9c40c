// Two replicas: only the lease holder writes; when it dies, the other takes over within the lease
// duration and carries on reconciling.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { testCluster } from '../../testing/cluster.ts';
import { installCrds } from '../../testing/crds.ts';
import { eventually, startOperator } from '../../testing/operator-process.ts';
import { allReady, routingState } from './cluster-objects.ts';

const examples = join(new URL('../..', import.meta.url).pathname, 'examples');
const cluster = await testCluster();
await installCrds(cluster);
const ns = await cluster.namespace('leader');
const leaseSeconds = 6;
const election = { SWITCHYARD_LEADER_ELECTION: 'true', SWITCHYARD_LEASE_NAMESPACE: ns, SWITCHYARD_LEASE_NAME: 'switchyard-operator', SWITCHYARD_LEASE_DURATION_SECONDS: String(leaseSeconds), SWITCHYARD_LEASE_RENEW_DEADLINE_SECONDS: '4', SWITCHYARD_LEASE_RETRY_SECONDS: '1' };
const first = startOperator(cluster.kubeconfig, { ...election, SWITCHYARD_IDENTITY: 'replica-a' });
await first.waitForLog((line) => line.msg === 'became leader');
const second = startOperator(cluster.kubeconfig, { ...election, SWITCHYARD_IDENTITY: 'replica-b' });
await second.address();

test('only the leader writes', async () => {
  await cluster.kubectlOk(['apply', '-n', ns, '-f', examples]);
  await eventually('examples Ready', () => allReady(cluster, ns), 60_000);
  assert.ok((await first.metric('switchyard_writes_total')) > 0, 'the leader wrote');
  assert.equal(await second.metric('switchyard_writes_total'), 0);
  for (const verb of ['PATCH', 'POST', 'DELETE']) assert.equal(await second.metric('switchyard_api_requests_total', { verb }), 0, `standby sent no ${verb}`);
  assert.equal(await second.metric('switchyard_leader'), 0);
  assert.equal(await first.metric('switchyard_leader'), 1);
});

test('killing the leader hands over within the lease duration, and the new leader reconciles', async () => {
  const killedAt = Date.now();
  await first.kill();
  await second.waitForLog((line) => line.msg === 'became leader', (leaseSeconds + 10) * 1000);
  const failoverSeconds = (Date.now() - killedAt) / 1000;
  assert.ok(failoverSeconds <= leaseSeconds + 2, `took over in ${failoverSeconds.toFixed(1)} s (lease ${leaseSeconds} s)`);
  const lease = JSON.parse(await cluster.kubectlOk(['get', 'lease', 'switchyard-operator', '-n', ns, '-o', 'json'])) as { spec: { holderIdentity: string; leaseTransitions: number } };
  assert.equal(lease.spec.holderIdentity, 'replica-b');
  assert.equal(lease.spec.leaseTransitions, 1);
  await cluster.kubectlOk(['patch', 'phonenumber', 'pn-1294', '-n', ns, '--type=merge', '-p', '{"spec":{"voiceURL":"https://clinic.example/after-failover"}}']);
  await eventually('the new leader routes the edit', async () => (await routingState(cluster, ns, 'mekong-telecom'))?.numbers['1294']?.voice?.url === 'https://clinic.example/after-failover');
});
