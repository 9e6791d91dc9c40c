// Worker RBAC and the disruption budget: narrow, namespaced, and never blocking a drain.
import type { V1PodDisruptionBudget, V1Role, V1RoleBinding } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { selectorFor } from '../../src/compile/names.ts';
import { carrierWorkloads } from '../../src/compile/workloads/index.ts';
import { find, inputsFor, minimalSpec } from './fixtures.ts';

const workerName = 'mekong-telecom-sip-worker';

describe('worker RBAC', () => {
  const shardCases: { shards: number; configMaps: string[] }[] = [
    { shards: 0, configMaps: ['mekong-telecom-routing'] },
    { shards: 1, configMaps: ['mekong-telecom-routing', 'mekong-telecom-routing-0'] },
    { shards: 4, configMaps: ['mekong-telecom-routing', 'mekong-telecom-routing-0', 'mekong-telecom-routing-1', 'mekong-telecom-routing-2', 'mekong-telecom-routing-3'] },
  ];
  for (const { shards, configMaps } of shardCases) {
    test(`${shards} shard(s): the Role grants exactly the manifest and shard ConfigMaps, the worker Secret and Leases`, () => {
      const role = find<V1Role>(carrierWorkloads(inputsFor(minimalSpec(), { shards })), 'Role', workerName);
      assert.deepEqual(role.rules, [
        { apiGroups: [''], resources: ['configmaps'], resourceNames: configMaps, verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['secrets'], resourceNames: ['mekong-telecom-worker-secrets'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create', 'get', 'update', 'patch'] },
      ]);
    });
  }

  test('nothing cluster-wide, no wildcards, no pod or write access to ConfigMaps and Secrets', () => {
    const objects = carrierWorkloads(inputsFor(minimalSpec({ push: { fcm: { projectID: 'p', serviceAccountSecretRef: { name: 's' } } } })));
    assert.deepEqual(objects.filter((o) => o.kind.startsWith('Cluster')), []);
    const rules = find<V1Role>(objects, 'Role', workerName).rules ?? [];
    for (const rule of rules) {
      assert.equal([...(rule.verbs), ...(rule.resources ?? []), ...(rule.apiGroups ?? [])].includes('*'), false);
      assert.equal(rule.resources?.includes('pods'), false);
      if (rule.resources?.some((r) => r === 'configmaps' || r === 'secrets')) assert.ok(rule.resourceNames && rule.resourceNames.length > 0);
    }
  });

  test('the RoleBinding binds the worker ServiceAccount in the Carrier namespace to the Role', () => {
    const objects = carrierWorkloads(inputsFor(minimalSpec()));
    find(objects, 'ServiceAccount', workerName);
    const binding = find<V1RoleBinding>(objects, 'RoleBinding', workerName);
    assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: workerName });
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: workerName, namespace: 'voice' }]);
  });
});

describe('SIP worker PodDisruptionBudget', () => {
  for (const replicas of [1, 2, 10]) {
    test(`${replicas} replica(s): maxUnavailable 1, so one worker never blocks a drain and many never all go`, () => {
      const budget = find<V1PodDisruptionBudget>(carrierWorkloads(inputsFor(minimalSpec({ sipWorkers: { replicas } }))), 'PodDisruptionBudget', workerName);
      assert.deepEqual(budget.spec, {
        maxUnavailable: 1,
        selector: { matchLabels: selectorFor('mekong-telecom', 'sip-worker') },
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      });
    });
  }
});
