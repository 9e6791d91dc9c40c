// The SIP worker Deployment: image, command, environment, ports, probes, hardening and rollout.
import type { V1Deployment } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { selectorFor } from '../../src/compile/names.ts';
import { carrierWorkloads } from '../../src/compile/workloads/index.ts';
import { envOf, exampleSpec, find, images, inputsFor, minimalSpec, onlyContainer, podSpec, type SpecInput } from './fixtures.ts';

const workers = (spec: SpecInput) => find<V1Deployment>(carrierWorkloads(inputsFor(spec)), 'Deployment', 'mekong-telecom-sip-worker');

const push: SpecInput['push'] = { fcm: { projectID: 'mekong-voice', serviceAccountSecretRef: { name: 'fcm-sa' } }, registrationTimeoutSeconds: 20 };

describe('SIP worker Deployment', () => {
  test('replicas, selector, image, command and service account', () => {
    const deployment = workers(exampleSpec());
    assert.equal(deployment.spec?.replicas, 2);
    assert.deepEqual(deployment.spec?.selector.matchLabels, selectorFor('mekong-telecom', 'sip-worker'));
    const pod = podSpec(deployment);
    assert.equal(pod.serviceAccountName, 'mekong-telecom-sip-worker');
    assert.equal(pod.automountServiceAccountToken, true);
    const container = onlyContainer(deployment);
    assert.equal(container.name, 'sip-worker');
    assert.equal(container.image, images.sipWorker);
    assert.deepEqual(container.command, ['node', 'sip-workers/src/main.ts']);
    assert.equal(onlyContainer(workers(minimalSpec({ sipWorkers: { image: 'example/sip:custom' } }))).image, 'example/sip:custom');
  });

  const envCases: { name: string; spec: SpecInput; expect: Record<string, string | undefined> }[] = [
    {
      name: 'the example (relay on, no push)',
      spec: exampleSpec(),
      expect: {
        SWITCHYARD_CARRIER: 'mekong-telecom',
        SWITCHYARD_NAMESPACE: 'metadata.namespace',
        SWITCHYARD_POD_NAME: 'metadata.name',
        SWITCHYARD_POD_IP: 'status.podIP',
        SWITCHYARD_SIP_PORT: '5060',
        SWITCHYARD_HTTP_PORT: '8080',
        SWITCHYARD_ROUTING_MANIFEST: 'mekong-telecom-routing',
        SWITCHYARD_WEBHOOK_TIMEOUT_SECONDS: '5',
        SWITCHYARD_WEBHOOK_SIGNATURE_HEADER: 'X-Twilio-Signature',
        SWITCHYARD_MAX_CALL_SECONDS: '14400',
        SWITCHYARD_DIALOG_KEEPALIVE_SECONDS: '300',
        SWITCHYARD_API_PORT: '8081',
        SWITCHYARD_API_CALLS_PER_SECOND: '1',
        SWITCHYARD_API_CALL_RETENTION_SECONDS: '3600',
        SWITCHYARD_MEDIA_RELAY: 'mekong-telecom-media-relay.voice.svc:2223',
        SWITCHYARD_MEDIA_SYMMETRIC_LATCHING: 'true',
        SWITCHYARD_PUSH_SERVICE: undefined,
        SWITCHYARD_PUSH_REGISTRATION_TIMEOUT_SECONDS: undefined,
        // 70% of the example's 512Mi limit, instead of Node's default of about half.
        NODE_OPTIONS: '--max-old-space-size=358',
      },
    },
    {
      name: 'relay off, push on, custom ports, webhooks and call limits',
      spec: minimalSpec({ mediaRelay: { enabled: false }, push, sipWorkers: { ports: { sip: 5080, http: 9090 } }, webhooks: { signatureHeader: 'X-Switchyard-Signature' }, calls: { maxDurationSeconds: 7200, dialogKeepaliveSeconds: 0, apiCallsPerSecond: 20, apiCallRetentionSeconds: 600 } }),
      expect: {
        SWITCHYARD_MAX_CALL_SECONDS: '7200',
        SWITCHYARD_DIALOG_KEEPALIVE_SECONDS: '0',
        SWITCHYARD_API_CALLS_PER_SECOND: '20',
        SWITCHYARD_API_CALL_RETENTION_SECONDS: '600',
        SWITCHYARD_SIP_PORT: '5080',
        SWITCHYARD_HTTP_PORT: '9090',
        SWITCHYARD_WEBHOOK_TIMEOUT_SECONDS: '10',
        SWITCHYARD_WEBHOOK_SIGNATURE_HEADER: 'X-Switchyard-Signature',
        SWITCHYARD_MEDIA_RELAY: undefined,
        SWITCHYARD_MEDIA_SYMMETRIC_LATCHING: undefined,
        SWITCHYARD_PUSH_SERVICE: 'http://mekong-telecom-push.voice.svc:8080',
        SWITCHYARD_PUSH_REGISTRATION_TIMEOUT_SECONDS: '20',
        NODE_OPTIONS: undefined,
      },
    },
  ];
  for (const { name, spec, expect } of envCases) {
    test(`environment: ${name}`, () => {
      const env = envOf(onlyContainer(workers(spec)));
      for (const [key, value] of Object.entries(expect)) {
        if (value === undefined) assert.equal(env.has(key), false, `${key} is unset`);
        else assert.equal(env.get(key), value, key);
      }
      assert.equal(new Set(onlyContainer(workers(spec)).env?.map((e) => e.name)).size, env.size, 'no duplicate variables');
    });
  }

  test('with a registrar, workers get the Redis URL from the Secret it names (never as a plain value); without one, no Redis', () => {
    const env = onlyContainer(workers(minimalSpec({ registrar: { redisURLSecretRef: { name: 'registrar-redis' } } }))).env ?? [];
    assert.deepEqual(env.find((variable) => variable.name === 'SWITCHYARD_REDIS_URL'), { name: 'SWITCHYARD_REDIS_URL', valueFrom: { secretKeyRef: { name: 'registrar-redis', key: 'url' } } });
    assert.equal((onlyContainer(workers(minimalSpec())).env ?? []).some((variable) => variable.name === 'SWITCHYARD_REDIS_URL'), false);
  });

  test('with a registrar, workers share the flow token key from the carrier\'s worker key Secret; without one, no key', () => {
    const env = onlyContainer(workers(minimalSpec({ registrar: { redisURLSecretRef: { name: 'registrar-redis' } } }))).env ?? [];
    assert.deepEqual(env.find((variable) => variable.name === 'SWITCHYARD_FLOW_TOKEN_KEY'), { name: 'SWITCHYARD_FLOW_TOKEN_KEY', valueFrom: { secretKeyRef: { name: 'mekong-telecom-sip-worker-key', key: 'flowTokenKey' } } });
    assert.equal((onlyContainer(workers(minimalSpec())).env ?? []).some((variable) => variable.name === 'SWITCHYARD_FLOW_TOKEN_KEY'), false);
  });

  test('ports and probes', () => {
    const container = onlyContainer(workers(minimalSpec({ sipWorkers: { ports: { sip: 5080, http: 9090, api: 9091 } } })));
    assert.deepEqual(container.ports, [
      { name: 'sip-udp', containerPort: 5080, protocol: 'UDP' },
      { name: 'sip-tcp', containerPort: 5080, protocol: 'TCP' },
      { name: 'http', containerPort: 9090, protocol: 'TCP' },
      { name: 'api', containerPort: 9091, protocol: 'TCP' },
    ]);
    assert.equal(envOf(container).get('SWITCHYARD_API_PORT'), '9091');
    assert.deepEqual(container.readinessProbe?.httpGet, { path: '/readyz', port: 'http' });
    assert.deepEqual(container.livenessProbe?.httpGet, { path: '/livez', port: 'http' });
  });

  test('with TLS, the Secret is mounted read-only as a directory (renewals reach the files), the environment names its files, and the TLS port is opened', () => {
    const deployment = workers(minimalSpec({ sipWorkers: { tls: { secretRef: { name: 'sip-cert' }, caSecretRef: { name: 'trunk-cas', key: 'bundle.pem' } } } }));
    const container = onlyContainer(deployment);
    const env = envOf(container);
    assert.equal(env.get('SWITCHYARD_SIP_TLS_PORT'), '5061');
    assert.equal(env.get('SWITCHYARD_TLS_CERT_FILE'), '/var/run/secrets/switchyard/sip-tls/tls.crt');
    assert.equal(env.get('SWITCHYARD_TLS_KEY_FILE'), '/var/run/secrets/switchyard/sip-tls/tls.key');
    assert.equal(env.get('SWITCHYARD_TLS_CA_FILE'), '/var/run/secrets/switchyard/sip-tls-ca/ca.crt');
    assert.deepEqual(container.ports?.find((port) => port.name === 'sip-tls'), { name: 'sip-tls', containerPort: 5061, protocol: 'TCP' });
    const volumes = podSpec(deployment).volumes ?? [];
    assert.deepEqual(volumes.find((volume) => volume.name === 'sip-tls')?.secret, { secretName: 'sip-cert', items: [{ key: 'tls.crt', path: 'tls.crt' }, { key: 'tls.key', path: 'tls.key' }], defaultMode: 0o440 });
    assert.deepEqual(volumes.find((volume) => volume.name === 'sip-tls-ca')?.secret, { secretName: 'trunk-cas', items: [{ key: 'bundle.pem', path: 'ca.crt' }], defaultMode: 0o440 });
    for (const mount of (container.volumeMounts ?? []).filter((m) => m.name.startsWith('sip-tls'))) {
      assert.equal(mount.readOnly, true);
      assert.equal(mount.subPath, undefined, 'no subPath: the kubelet would never update the file');
    }
    const plain = onlyContainer(workers(minimalSpec()));
    assert.equal(envOf(plain).has('SWITCHYARD_TLS_CERT_FILE'), false);
    assert.equal(plain.ports?.some((port) => port.name === 'sip-tls'), false);
  });

  test('resources come from the spec and are absent when the spec sets none', () => {
    assert.deepEqual(onlyContainer(workers(exampleSpec())).resources, { requests: { cpu: '250m', memory: '128Mi' }, limits: { memory: '512Mi' } });
    assert.deepEqual(onlyContainer(workers(minimalSpec({ sipWorkers: { resources: { requests: { cpu: 1 } } } }))).resources, { requests: { cpu: '1' } });
    assert.equal('resources' in onlyContainer(workers(minimalSpec())), false);
  });

  test('hardened: non-root, read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp', () => {
    const deployment = workers(exampleSpec());
    assert.deepEqual(onlyContainer(deployment).securityContext, {
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    assert.equal(podSpec(deployment).securityContext?.runAsNonRoot, true);
    assert.equal(podSpec(deployment).securityContext?.sysctls, undefined);
  });

  test('a SIP port below 1024 opens unprivileged ports down to it, instead of running as root', () => {
    const pod = podSpec(workers(minimalSpec({ sipWorkers: { ports: { sip: 506 } } })));
    assert.deepEqual(pod.securityContext?.sysctls, [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '506' }]);
  });

  test('rollout keeps capacity, spreads over nodes and drains calls', () => {
    const deployment = workers(exampleSpec());
    assert.deepEqual(deployment.spec?.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    const pod = podSpec(deployment);
    const hostname = pod.topologySpreadConstraints?.find((c) => c.topologyKey === 'kubernetes.io/hostname');
    assert.equal(hostname?.maxSkew, 1);
    assert.deepEqual(hostname?.labelSelector?.matchLabels, selectorFor('mekong-telecom', 'sip-worker'));
    assert.ok((pod.terminationGracePeriodSeconds ?? 0) >= 60);
    const preStop = onlyContainer(deployment).lifecycle?.preStop?.sleep?.seconds ?? 0;
    assert.ok(preStop > 0 && preStop < (pod.terminationGracePeriodSeconds ?? 0));
  });
});
