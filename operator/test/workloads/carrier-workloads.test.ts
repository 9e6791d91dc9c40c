// carrierWorkloads as a whole: which objects, in which order, owned and labelled how, and stable.
import type { V1Deployment } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { carrierLabel, componentLabel, inheritedLabels } from '../../src/compile/names.ts';
import { controllerReference } from '../../src/compile/owner.ts';
import { carrierWorkloads } from '../../src/compile/workloads/index.ts';
import { exampleCarrier, exampleSpec, gitOpsLabels, inputsFor, minimalSpec, unclean, type SpecInput } from './fixtures.ts';

const push: SpecInput['push'] = {
  apns: { teamID: 'ABCDE12345', keyID: 'KEY1234567', topic: 'com.example.voice.voip', privateKeySecretRef: { name: 'apns-key' } },
  fcm: { projectID: 'mekong-voice', serviceAccountSecretRef: { name: 'fcm-sa' } },
};

const variants: { name: string; spec: SpecInput }[] = [
  { name: 'the example Carrier', spec: exampleCarrier().spec },
  { name: 'a minimal Carrier (all defaults)', spec: minimalSpec() },
  { name: 'a Carrier with push and no relay', spec: minimalSpec({ push, mediaRelay: { enabled: false } }) },
];

describe('carrierWorkloads', () => {
  test('the example Carrier gives exactly these objects, in this order', () => {
    const { metadata, spec } = exampleCarrier();
    const objects = carrierWorkloads(inputsFor(spec, { name: metadata.name }));
    assert.deepEqual(
      objects.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.name}`),
      [
        'v1 ServiceAccount mekong-telecom-sip-worker',
        'rbac.authorization.k8s.io/v1 Role mekong-telecom-sip-worker',
        'rbac.authorization.k8s.io/v1 RoleBinding mekong-telecom-sip-worker',
        'apps/v1 Deployment mekong-telecom-sip-worker',
        'v1 Service mekong-telecom-sip',
        'v1 Service mekong-telecom-api',
        'policy/v1 PodDisruptionBudget mekong-telecom-sip-worker',
        'apps/v1 Deployment mekong-telecom-media-relay',
        'v1 Service mekong-telecom-media-relay',
      ],
    );
  });

  test('with push configured, the push service\'s RBAC, Deployment and Service come last', () => {
    const objects = carrierWorkloads(inputsFor(exampleSpec({ push })));
    assert.deepEqual(
      objects.slice(-5).map((o) => `${o.kind} ${o.metadata.name}`),
      ['ServiceAccount mekong-telecom-push', 'Role mekong-telecom-push', 'RoleBinding mekong-telecom-push', 'Deployment mekong-telecom-push', 'Service mekong-telecom-push'],
    );
  });

  for (const { name, spec } of variants) {
    test(`${name}: every object is in the Carrier's namespace, owned by it and labelled, without GitOps labels`, () => {
      const inputs = inputsFor(spec, { labels: { ...gitOpsLabels, team: 'voice' } });
      const owner = controllerReference('Carrier', inputs.carrier.metadata);
      for (const object of carrierWorkloads(inputs)) {
        const what = `${object.kind} ${object.metadata.name}`;
        assert.equal(object.metadata.namespace, 'voice', what);
        assert.deepEqual(object.metadata.ownerReferences, [owner], what);
        const labels = object.metadata.labels ?? {};
        assert.equal(labels.team, 'voice', `${what} inherits team`);
        assert.equal(labels[carrierLabel], 'mekong-telecom', what);
        assert.ok(labels[componentLabel], `${what} has a component`);
        assert.equal(labels['app.kubernetes.io/managed-by'], 'switchyard', what);
        for (const key of Object.keys(gitOpsLabels)) assert.equal(key in labels, false, `${what} must not carry ${key}`);
      }
      assert.deepEqual(inheritedLabels(inputs.carrier.metadata.labels), { team: 'voice' });
    });

    test(`${name}: output is deterministic and JSON-clean (no undefined or null anywhere)`, () => {
      const first = carrierWorkloads(inputsFor(spec, { labels: { team: 'voice' } }));
      const second = carrierWorkloads(inputsFor(spec, { labels: { team: 'voice' } }));
      assert.deepEqual(first, second);
      assert.equal(JSON.stringify(first), JSON.stringify(second));
      assert.deepEqual(unclean(first), []);
      // No object shares structure with another call's output (callers may mutate what they get).
      assert.notEqual(first[0]?.metadata.ownerReferences, second[0]?.metadata.ownerReferences);
    });

    test(`${name}: pod templates carry no checksum or timestamp, and routing changes never touch a Deployment`, () => {
      const before = carrierWorkloads({ ...inputsFor(spec), routingConfigChecksum: 'sha256:aaaa', routingShardCount: 2 });
      const after = carrierWorkloads({ ...inputsFor(spec), routingConfigChecksum: 'sha256:bbbb', routingShardCount: 7 });
      const deployments = (objects: typeof before) => objects.filter((o) => o.kind === 'Deployment') as V1Deployment[];
      assert.deepEqual(deployments(after), deployments(before));
      for (const deployment of deployments(before)) {
        const template = deployment.spec?.template;
        assert.equal(template?.metadata?.annotations, undefined, `${deployment.metadata?.name} pod template has no annotations`);
        assert.doesNotMatch(JSON.stringify(template), /sha256:|checksum|restartedAt|timestamp/i);
      }
    });
  }

  test('pod templates carry only the fixed labels, so relabelling a Carrier restarts nothing', () => {
    const plain = carrierWorkloads(inputsFor(exampleSpec({ push })));
    const relabelled = carrierWorkloads(inputsFor(exampleSpec({ push }), { labels: { team: 'voice', 'cost-centre': '42' } }));
    const templates = (objects: typeof plain) => (objects.filter((o) => o.kind === 'Deployment') as V1Deployment[]).map((d) => d.spec?.template);
    assert.deepEqual(templates(relabelled), templates(plain));
  });
});
