// An operator killed in the middle of its work and started again converges to the same objects:
// nothing duplicated, no auth token regenerated, every number routed.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { testCluster } from '../../testing/cluster.ts';
import { installCrds } from '../../testing/crds.ts';
import { eventually, startOperator } from '../../testing/operator-process.ts';
import { list, routingState } from './cluster-objects.ts';

const examples = join(new URL('../..', import.meta.url).pathname, 'examples');
const cluster = await testCluster();
await installCrds(cluster);
const ns = await cluster.namespace('restart');
const extraNumbers = 1500;

const numbersYaml = Array.from({ length: extraNumbers }, (_, i) => `apiVersion: telecom.switchyard.dev/v1alpha1\nkind: PhoneNumber\nmetadata: {name: bulk-${i}}\nspec: {carrierRef: {name: mekong-telecom}, number: "+8559${String(i).padStart(7, '0')}", accountRef: {name: kampot-pepper}}\n`).join('---\n');

const tokens = async () => Object.fromEntries((await list(cluster, ns, 'secrets')).filter((s) => s.metadata.name.endsWith('-auth-token')).map((s) => [s.metadata.name, `${s.metadata.uid}:${s.data?.authToken}`]));

test('killed mid-reconcile and restarted, the operator converges to the same objects without regenerating tokens', async () => {
  await cluster.kubectlOk(['apply', '-n', ns, '-f', examples]);
  await cluster.kubectlOk(['apply', '--server-side', '-n', ns, '-f', '-'], { input: numbersYaml });
  const first = startOperator(cluster.kubeconfig, { SWITCHYARD_OPERATOR_QPS: '100', SWITCHYARD_OPERATOR_BURST: '100' });
  // Statuses for 1,500 numbers at 100 writes a second take ~15 s; kill it a few seconds in.
  await first.waitForLog((line) => line.msg === 'caches synced');
  await eventually('the first tokens', async () => Object.keys(await tokens()).length === 2, 20_000, 100);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  await first.kill();
  const before = await tokens();
  const readyBefore = (await list(cluster, ns, 'phonenumbers')).filter((pn) => pn.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
  assert.ok(readyBefore < extraNumbers + 4, `killed mid-reconcile (${readyBefore} of ${extraNumbers + 4} numbers had a status)`);

  const second = startOperator(cluster.kubeconfig);
  await eventually('every number Ready', async () => (await list(cluster, ns, 'phonenumbers')).every((pn) => pn.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')), 120_000, 1000);
  assert.deepEqual(await tokens(), before, 'the auth token Secrets are the same objects with the same tokens');
  const routing = await routingState(cluster, ns, 'mekong-telecom');
  assert.equal(Object.keys(routing?.numbers ?? {}).length, extraNumbers + 4, "every number, the disabled example one included");
  const owned = (await list(cluster, ns, 'configmaps')).filter((cm) => cm.metadata.labels?.['telecom.switchyard.dev/carrier'] === 'mekong-telecom').map((cm) => cm.metadata.name).sort();
  // The manifest and exactly the shards it names: nothing duplicated, nothing left over.
  assert.deepEqual(owned, ['mekong-telecom-routing', ...(routing?.manifest.shards.map((shard) => shard.name) ?? [])].sort());
  const deployments = (await list(cluster, ns, 'deployments')).map((d) => d.metadata.name).sort();
  assert.deepEqual(deployments, ['mekong-telecom-media-relay', 'mekong-telecom-sip-worker']);
  await second.stop();
});
