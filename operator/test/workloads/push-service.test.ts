// The push service: only with spec.push; APNs and FCM settings as env, credentials as narrow mounts.
import type { V1Deployment, V1Role, V1RoleBinding, V1Service } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { selectorFor } from '../../src/compile/names.ts';
import { carrierWorkloads } from '../../src/compile/workloads/index.ts';
import { envOf, exampleSpec, find, images, inputsFor, minimalSpec, onlyContainer, podSpec, type SpecInput } from './fixtures.ts';

type PushInput = NonNullable<SpecInput['push']>;
const apns: PushInput['apns'] = { teamID: 'ABCDE12345', keyID: 'KEY1234567', topic: 'com.example.voice.voip', privateKeySecretRef: { name: 'apns-key', key: 'AuthKey.p8' } };
const fcm: PushInput['fcm'] = { projectID: 'mekong-voice', serviceAccountSecretRef: { name: 'fcm-sa' } };

const pushDeployment = (push: PushInput, spec: SpecInput = minimalSpec()) => find<V1Deployment>(carrierWorkloads(inputsFor({ ...spec, push })), 'Deployment', 'mekong-telecom-push');

describe('push service', () => {
  test('absent without spec.push, and workers get no SWITCHYARD_PUSH_SERVICE', () => {
    const objects = carrierWorkloads(inputsFor(exampleSpec()));
    assert.equal(objects.some((o) => o.metadata.name === 'mekong-telecom-push'), false);
    const workers = find<V1Deployment>(objects, 'Deployment', 'mekong-telecom-sip-worker');
    assert.equal(envOf(onlyContainer(workers)).has('SWITCHYARD_PUSH_SERVICE'), false);
  });

  const cases: { name: string; push: PushInput; env: Record<string, string | undefined>; volumes: unknown[]; mounts: unknown[] }[] = [
    {
      name: 'APNs only',
      push: { apns },
      env: {
        SWITCHYARD_APNS_TEAM_ID: 'ABCDE12345',
        SWITCHYARD_APNS_KEY_ID: 'KEY1234567',
        SWITCHYARD_APNS_TOPIC: 'com.example.voice.voip',
        SWITCHYARD_APNS_ENVIRONMENT: 'production',
        SWITCHYARD_APNS_PRIVATE_KEY_FILE: '/var/run/secrets/switchyard/apns/key.p8',
        SWITCHYARD_FCM_PROJECT_ID: undefined,
        SWITCHYARD_FCM_SERVICE_ACCOUNT_FILE: undefined,
      },
      volumes: [{ name: 'apns', secret: { secretName: 'apns-key', items: [{ key: 'AuthKey.p8', path: 'key.p8' }], defaultMode: 0o440 } }],
      mounts: [{ name: 'apns', mountPath: '/var/run/secrets/switchyard/apns', readOnly: true }],
    },
    {
      name: 'FCM only',
      push: { fcm },
      env: {
        SWITCHYARD_APNS_TEAM_ID: undefined,
        SWITCHYARD_APNS_PRIVATE_KEY_FILE: undefined,
        SWITCHYARD_FCM_PROJECT_ID: 'mekong-voice',
        SWITCHYARD_FCM_SERVICE_ACCOUNT_FILE: '/var/run/secrets/switchyard/fcm/service-account.json',
      },
      volumes: [{ name: 'fcm', secret: { secretName: 'fcm-sa', items: [{ key: 'service-account.json', path: 'service-account.json' }], defaultMode: 0o440 } }],
      mounts: [{ name: 'fcm', mountPath: '/var/run/secrets/switchyard/fcm', readOnly: true }],
    },
    {
      name: 'APNs by certificate',
      push: { apns: { teamID: 'ABCDE12345', topic: 'com.example.voice.voip', certificateSecretRef: { name: 'apns-cert' } } },
      env: {
        SWITCHYARD_APNS_TEAM_ID: 'ABCDE12345',
        SWITCHYARD_APNS_TOPIC: 'com.example.voice.voip',
        SWITCHYARD_APNS_CERTIFICATE_FILE: '/var/run/secrets/switchyard/apns/apns.crt',
        SWITCHYARD_APNS_CERTIFICATE_KEY_FILE: '/var/run/secrets/switchyard/apns/apns.key',
        SWITCHYARD_APNS_KEY_ID: undefined,
        SWITCHYARD_APNS_PRIVATE_KEY_FILE: undefined,
      },
      volumes: [{ name: 'apns', secret: { secretName: 'apns-cert', items: [{ key: 'tls.crt', path: 'apns.crt' }, { key: 'tls.key', path: 'apns.key' }], defaultMode: 0o440 } }],
      mounts: [{ name: 'apns', mountPath: '/var/run/secrets/switchyard/apns', readOnly: true }],
    },
    {
      name: 'both, development APNs',
      push: { apns: { ...apns, environment: 'development' }, fcm, replicas: 2 },
      env: { SWITCHYARD_APNS_ENVIRONMENT: 'development', SWITCHYARD_FCM_PROJECT_ID: 'mekong-voice' },
      volumes: [
        { name: 'apns', secret: { secretName: 'apns-key', items: [{ key: 'AuthKey.p8', path: 'key.p8' }], defaultMode: 0o440 } },
        { name: 'fcm', secret: { secretName: 'fcm-sa', items: [{ key: 'service-account.json', path: 'service-account.json' }], defaultMode: 0o440 } },
      ],
      mounts: [
        { name: 'apns', mountPath: '/var/run/secrets/switchyard/apns', readOnly: true },
        { name: 'fcm', mountPath: '/var/run/secrets/switchyard/fcm', readOnly: true },
      ],
    },
  ];
  for (const c of cases) {
    test(`${c.name}: env, secret volumes (only the named key) and read-only mounts`, () => {
      const deployment = pushDeployment(c.push);
      const container = onlyContainer(deployment);
      const env = envOf(container);
      assert.equal(env.get('SWITCHYARD_CARRIER'), 'mekong-telecom');
      assert.equal(env.get('SWITCHYARD_HTTP_PORT'), '8080');
      for (const [key, value] of Object.entries(c.env)) {
        if (value === undefined) assert.equal(env.has(key), false, `${key} is unset`);
        else assert.equal(env.get(key), value, key);
      }
      const secretVolumes = (podSpec(deployment).volumes ?? []).filter((v) => v.secret);
      assert.deepEqual(secretVolumes, c.volumes);
      assert.deepEqual((container.volumeMounts ?? []).filter((m) => m.mountPath.startsWith('/var/run/secrets/')), c.mounts);
      assert.equal(deployment.spec?.replicas, c.push.replicas ?? 1);
    });
  }

  test('runs the push entry point, hardened, as its own ServiceAccount that may keep Leases and nothing else', () => {
    const objects = carrierWorkloads(inputsFor(minimalSpec({ push: { fcm } })));
    const deployment = find<V1Deployment>(objects, 'Deployment', 'mekong-telecom-push');
    const container = onlyContainer(deployment);
    assert.deepEqual(container.command, ['node', 'sip-workers/src/push/main.ts']);
    assert.deepEqual(container.ports, [{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    assert.equal(container.securityContext?.readOnlyRootFilesystem, true);
    assert.equal(container.securityContext?.runAsNonRoot, true);
    assert.equal(podSpec(deployment).serviceAccountName, 'mekong-telecom-push');
    assert.equal(podSpec(deployment).automountServiceAccountToken, true);
    const fields = Object.fromEntries((container.env ?? []).filter((v) => v.valueFrom?.fieldRef).map((v) => [v.name, v.valueFrom?.fieldRef?.fieldPath]));
    assert.deepEqual(fields, { SWITCHYARD_NAMESPACE: 'metadata.namespace', SWITCHYARD_POD_NAME: 'metadata.name', SWITCHYARD_POD_UID: 'metadata.uid' });
    assert.deepEqual(find<V1Role>(objects, 'Role', 'mekong-telecom-push').rules, [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create', 'get', 'update', 'patch'] }]);
    const binding = find<V1RoleBinding>(objects, 'RoleBinding', 'mekong-telecom-push');
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'mekong-telecom-push', namespace: 'voice' }]);
    assert.equal(binding.roleRef.name, 'mekong-telecom-push');
    find(objects, 'ServiceAccount', 'mekong-telecom-push');
  });

  test('the pod template carries the credentials checksum, so a rotated key rolls the pods; without one (a Secret missing) no annotation', () => {
    const spec = minimalSpec({ push: { fcm } });
    const annotation = (checksum?: string) => find<V1Deployment>(carrierWorkloads({ ...inputsFor(spec), ...(checksum === undefined ? {} : { pushCredentialsChecksum: checksum }) }), 'Deployment', 'mekong-telecom-push').spec?.template.metadata?.annotations;
    assert.deepEqual(annotation('0123456789abcdef'), { 'telecom.switchyard.dev/push-credentials-checksum': '0123456789abcdef' });
    assert.equal(annotation(), undefined);
  });

  const imageCases: { name: string; spec: SpecInput; push: PushInput; image: string }[] = [
    { name: 'release default', spec: minimalSpec(), push: { fcm }, image: images.pushService },
    { name: 'follows a custom SIP worker image (the push code ships in it)', spec: minimalSpec({ sipWorkers: { image: 'example/sip:custom' } }), push: { fcm }, image: 'example/sip:custom' },
    { name: 'spec.push.image wins', spec: minimalSpec({ sipWorkers: { image: 'example/sip:custom' } }), push: { fcm, image: 'example/push:own' }, image: 'example/push:own' },
  ];
  for (const c of imageCases) {
    test(`image: ${c.name}`, () => {
      assert.equal(onlyContainer(pushDeployment(c.push, c.spec)).image, c.image);
    });
  }

  test('ClusterIP Service on 8080', () => {
    const service = find<V1Service>(carrierWorkloads(inputsFor(minimalSpec({ push: { fcm } }))), 'Service', 'mekong-telecom-push');
    assert.deepEqual(service.spec, {
      type: 'ClusterIP',
      selector: selectorFor('mekong-telecom', 'push-service'),
      ports: [{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }],
    });
  });
});
