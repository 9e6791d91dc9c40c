// An operator whose writes are refused (RBAC without ConfigMap writes) does not call anything
// Ready: the Carrier says ApplyFailed with the API server's answer, and nothing claims to be routed.
// Granting the permission recovers without a restart.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { testCluster } from '../../testing/cluster.ts';
import { installCrds } from '../../testing/crds.ts';
import { eventually, startOperator } from '../../testing/operator-process.ts';
import { actAsServiceAccount } from '../../testing/service-account.ts';
import { conditionOf, list } from './cluster-objects.ts';

const examples = join(new URL('../..', import.meta.url).pathname, 'examples');
const cluster = await testCluster();
await installCrds(cluster);
const home = await cluster.namespace('limited-operator');
const carrierNamespace = await cluster.namespace('carrier');
const role = `${home}-operator`;

const rules = (configMapVerbs: string[]) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name: role },
  rules: [
    { apiGroups: ['telecom.switchyard.dev'], resources: ['carriers', 'accounts', 'inboundtrunks', 'outboundtrunks', 'phonenumbers', 'sipdomains'], verbs: ['list', 'watch'] },
    { apiGroups: ['telecom.switchyard.dev'], resources: ['carriers/status', 'accounts/status', 'inboundtrunks/status', 'outboundtrunks/status', 'phonenumbers/status', 'sipdomains/status'], verbs: ['patch'] },
    { apiGroups: [''], resources: ['configmaps'], verbs: configMapVerbs },
    { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] },
    { apiGroups: [''], resources: ['services', 'serviceaccounts'], verbs: ['list', 'watch', 'create', 'patch', 'delete'] },
    { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] },
    { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['list', 'watch', 'create', 'patch', 'delete'] },
    { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['list', 'watch', 'create', 'patch', 'delete'] },
    { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: ['list', 'watch', 'create', 'patch', 'delete'] },
    { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create'] },
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'] },
  ],
});

after(() => cluster.kubectl(['delete', 'clusterrole,clusterrolebinding', role]));
await cluster.kubectlOk(['create', 'serviceaccount', 'operator', '-n', home]);
await cluster.kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(rules(['get', 'list', 'watch'])) });
await cluster.kubectlOk(['create', 'clusterrolebinding', role, `--clusterrole=${role}`, `--serviceaccount=${home}:operator`]);
const identity = await actAsServiceAccount(cluster, home, 'operator');
const operator = startOperator(identity.kubeconfig);
after(() => operator.stop());

test('refused routing writes leave the Carrier not Ready (ApplyFailed, forbidden) and no number Ready', async () => {
  await cluster.kubectlOk(['apply', '-n', carrierNamespace, '-f', examples]);
  const ready = await eventually('the Carrier reports ApplyFailed', async () => {
    const [carrier] = await list(cluster, carrierNamespace, 'carriers');
    const condition = conditionOf(carrier, 'Ready');
    return condition?.reason === 'ApplyFailed' ? condition : undefined;
  }, 60_000);
  assert.equal(ready.status, 'False');
  assert.match(ready.message, /^Writing ConfigMap\/.+ failed: .*forbidden/);
  const numbers = await list(cluster, carrierNamespace, 'phonenumbers');
  assert.ok(numbers.length > 0);
  for (const number of numbers) assert.notEqual(conditionOf(number, 'Ready')?.status, 'True', `${number.metadata.name} is not called Ready`);
  const events = JSON.parse(await cluster.kubectlOk(['get', 'events', '-n', carrierNamespace, '-o', 'json'])) as { items: Array<{ reason: string; type: string }> };
  assert.ok(events.items.some((event) => event.reason === 'ApplyFailed' && event.type === 'Warning'), 'a Warning event says so');
});

test('granting the missing permission recovers: the Carrier and its numbers become Ready', async () => {
  await cluster.kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(rules(['get', 'list', 'watch', 'create', 'patch', 'delete'])) });
  await eventually('every PhoneNumber Ready and the Carrier no longer ApplyFailed', async () => {
    const [carrier] = await list(cluster, carrierNamespace, 'carriers');
    const numbers = await list(cluster, carrierNamespace, 'phonenumbers');
    return conditionOf(carrier, 'Ready')?.reason !== 'ApplyFailed' && numbers.every((number) => conditionOf(number, 'Ready')?.status === 'True');
  }, 90_000);
});
