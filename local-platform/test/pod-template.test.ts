// The translation from the operator's own pod templates to local processes: what the kubelet
// would give each container, and every laptop change named.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Deployment, V1Service } from '@kubernetes/client-node';
import { carrierWorkloads } from '../../operator/src/compile/workloads/index.ts';
import { exampleSpec, find, inputsFor } from '../../operator/test/workloads/fixtures.ts';
import type { ClusterData, PodIdentity } from '../pod-template/env.ts';
import { expand } from '../pod-template/expand.ts';
import { applyLaptopOverrides } from '../pod-template/laptop-overrides.ts';
import { planDeployment, type PlanInputs, type ProcessPlan } from '../pod-template/local-process.ts';
import { ServiceDirectory, type LocalPod } from '../pod-template/services.ts';

const push = {
  apns: { teamID: 'ABCDE12345', keyID: 'KEY1234567', topic: 'dev.switchyard.phone.voip', privateKeySecretRef: { name: 'apns-key', key: 'AuthKey.p8' } },
};
const objects = carrierWorkloads(inputsFor(exampleSpec({ push })));
const deployment = (name: string) => find<V1Deployment>(objects, 'Deployment', name);
const services = objects.filter((object) => object.kind === 'Service') as unknown as V1Service[];

const cluster: ClusterData = {
  secret: (name) => (name === 'apns-key' ? { 'AuthKey.p8': '-----BEGIN PRIVATE KEY-----\nMIG...\n-----END PRIVATE KEY-----\n' } : undefined),
  configMap: () => undefined,
};

function pod(name: string, ip: string): PodIdentity {
  return { name: `${name}-local`, namespace: 'voice', uid: '0b8f7a52-0000-4000-8000-000000000001', ip, nodeName: 'laptop', serviceAccountName: name, labels: deployment(name).spec?.template.metadata?.labels ?? {}, annotations: {} };
}

function localPod(name: string, ip: string, moved = new Map<number, number>()): LocalPod {
  const ports = deployment(name).spec?.template.spec?.containers.flatMap((container) => container.ports ?? []) ?? [];
  return { labels: deployment(name).spec?.template.metadata?.labels ?? {}, ip, ports: ports.map((port) => ({ ...(port.name ? { name: port.name } : {}), containerPort: port.containerPort, localPort: moved.get(port.containerPort) ?? port.containerPort })) };
}

function plan(name: string, ip: string, pods: LocalPod[], overrides: Partial<PlanInputs> = {}): ProcessPlan {
  const [only] = planDeployment({ deployment: deployment(name), pod: pod(name, ip), cluster, movedPorts: new Map(), services: new ServiceDirectory(services, pods), volumeDir: (volume) => `/run/pods/${name}/${volume}`, ...overrides });
  assert.ok(only, `${name} has a container`);
  return only;
}

const relayIP = '127.9.9.10';
const pushIP = '127.9.9.11';
const workerIP = '127.9.9.12';
const allPods = [localPod('mekong-telecom-media-relay', relayIP), localPod('mekong-telecom-push', pushIP), localPod('mekong-telecom-sip-worker', workerIP)];

test('$(VAR) expands as the kubelet does: defined names replaced, $$ escapes, unknown references and lone $ kept', () => {
  const variables = new Map([['POD_IP', '10.0.0.7'], ['PORT', '2223']]);
  assert.equal(expand('--listen-ng=$(POD_IP):$(PORT)', variables), '--listen-ng=10.0.0.7:2223');
  assert.equal(expand('$$(POD_IP) costs $5', variables), '$(POD_IP) costs $5');
  assert.equal(expand('$(MISSING) and $(unclosed', variables), '$(MISSING) and $(unclosed');
});

test('the SIP worker: downward API from the local pod, the relay and push Services resolved to their local processes, one replica', () => {
  const worker = plan('mekong-telecom-sip-worker', workerIP, allPods);
  assert.equal(worker.command, 'node');
  assert.deepEqual(worker.args, ['sip-workers/src/main.ts']);
  assert.equal(worker.env.get('SWITCHYARD_POD_IP'), workerIP);
  assert.equal(worker.env.get('SWITCHYARD_POD_NAME'), 'mekong-telecom-sip-worker-local');
  assert.equal(worker.env.get('SWITCHYARD_NAMESPACE'), 'voice');
  assert.equal(worker.env.get('SWITCHYARD_SIP_PORT'), '5060');
  assert.equal(worker.env.get('SWITCHYARD_MEDIA_RELAY'), `${relayIP}:2223`);
  assert.equal(worker.env.get('SWITCHYARD_PUSH_SERVICE'), `http://${pushIP}:8080`);
  assert.equal(worker.serviceAccount, 'mekong-telecom-sip-worker');
  assert.equal(worker.problem, undefined);
  assert.ok(worker.overrides.some((line) => line.startsWith('replicas: 2 → 1')), worker.overrides.join('\n'));
  assert.ok(worker.overrides.includes(`env SWITCHYARD_MEDIA_RELAY: mekong-telecom-media-relay.voice.svc:2223 → ${relayIP}:2223`));
  assert.ok(worker.overrides.includes('not applied: securityContext (runs as the user running make run), resource limits, liveness probe (a process that exits stops the run instead), preStop hook'), worker.overrides.join('\n'));
});

test('a Service whose workload does not run here leaves its setting unset, said so', () => {
  const worker = plan('mekong-telecom-sip-worker', workerIP, allPods.filter((item) => item.ip !== relayIP));
  assert.equal(worker.env.has('SWITCHYARD_MEDIA_RELAY'), false);
  assert.ok(worker.overrides.some((line) => line.startsWith('env SWITCHYARD_MEDIA_RELAY: mekong-telecom-media-relay.voice.svc:2223 → (unset)')), worker.overrides.join('\n'));
  assert.equal(worker.env.get('SWITCHYARD_PUSH_SERVICE'), `http://${pushIP}:8080`);
});

test('a taken port moves: the env variable naming it and the Service pointing at it follow', () => {
  const moved = new Map([[8080, 18080]]);
  const pods = [localPod('mekong-telecom-push', pushIP, moved), localPod('mekong-telecom-sip-worker', workerIP)];
  const pushService = plan('mekong-telecom-push', pushIP, pods, { movedPorts: moved });
  assert.equal(pushService.env.get('SWITCHYARD_HTTP_PORT'), '18080');
  assert.ok(pushService.overrides.includes(`port 8080 → 18080 (8080 is taken on ${pushIP})`));
  const worker = plan('mekong-telecom-sip-worker', workerIP, pods);
  assert.equal(worker.env.get('SWITCHYARD_PUSH_SERVICE'), `http://${pushIP}:18080`);
});

test('the media relay: $(POD_IP) expanded in args, and the laptop drops the public IP from --interface', () => {
  const relay = plan('mekong-telecom-media-relay', relayIP, allPods);
  assert.equal(relay.command, 'rtpengine');
  assert.ok(relay.args.includes(`--listen-ng=${relayIP}:2223`), relay.args.join(' '));
  assert.ok(relay.args.includes(`--interface=${relayIP}!203.0.113.50`));
  assert.equal(relay.serviceAccount, undefined, 'the relay mounts no token');
  applyLaptopOverrides(relay, { podIP: relayIP, serviceAccountKubeconfig: undefined });
  assert.ok(relay.args.includes(`--interface=${relayIP}`));
  assert.equal(relay.args.filter((arg) => arg.startsWith('--config-file')).length, 1);
});

test('the push service: its Secret volume becomes a file and the env path points at it', () => {
  const pushService = plan('mekong-telecom-push', pushIP, allPods);
  const keyFile = '/run/pods/mekong-telecom-push/apns/key.p8';
  assert.deepEqual(pushService.files, [{ path: keyFile, content: cluster.secret('apns-key')?.['AuthKey.p8'] }]);
  assert.equal(pushService.env.get('SWITCHYARD_APNS_PRIVATE_KEY_FILE'), keyFile);
  assert.ok(pushService.dirs.includes('/run/pods/mekong-telecom-push/tmp'), 'emptyDir /tmp is a directory');
});

test('a missing Secret stops the container as the kubelet would, with the reason', () => {
  const pushService = plan('mekong-telecom-push', pushIP, allPods, { cluster: { secret: () => undefined, configMap: () => undefined } });
  assert.equal(pushService.problem, 'volume apns: Secret apns-key not found');
});

test('the laptop overrides for the SIP worker: bind the pod address, and the ServiceAccount kubeconfig', () => {
  const worker = plan('mekong-telecom-sip-worker', workerIP, allPods);
  applyLaptopOverrides(worker, { podIP: workerIP, serviceAccountKubeconfig: '/run/tokens/worker.kubeconfig' });
  assert.equal(worker.env.get('SWITCHYARD_SIP_HOST'), workerIP);
  assert.equal(worker.env.get('SWITCHYARD_HTTP_HOST'), workerIP);
  assert.equal(worker.env.get('SWITCHYARD_API_HOST'), workerIP, 'the REST API too: two workers on one host each bind their own address');
  assert.equal(worker.env.get('SWITCHYARD_KUBECONFIG'), '/run/tokens/worker.kubeconfig');
  assert.equal(worker.env.get('KUBECONFIG'), '/run/tokens/worker.kubeconfig');
  assert.ok(worker.overrides.includes(`env SWITCHYARD_SIP_HOST: (unset) → ${workerIP} (bind the pod address only, as in a pod)`));
});

test('valueFrom: secretKeyRef, configMapKeyRef, labels; an unknown fieldRef is a problem, not a crash', () => {
  const base = deployment('mekong-telecom-sip-worker');
  const container = base.spec?.template.spec?.containers[0];
  assert.ok(container);
  const custom: V1Deployment = structuredClone(base);
  const target = custom.spec?.template.spec?.containers[0];
  assert.ok(target);
  target.env = [
    { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'apns-key', key: 'AuthKey.p8' } } },
    { name: 'OPTIONAL', valueFrom: { configMapKeyRef: { name: 'absent', key: 'x', optional: true } } },
    { name: 'COMPONENT', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app.kubernetes.io/component']" } } },
    { name: 'GREETING', value: 'component $(COMPONENT)' },
  ];
  const inputs = { pod: pod('mekong-telecom-sip-worker', workerIP), cluster, movedPorts: new Map<number, number>(), services: new ServiceDirectory([], []), volumeDir: (volume: string) => `/run/${volume}` };
  const [resolved] = planDeployment({ ...inputs, deployment: custom });
  assert.equal(resolved?.env.get('TOKEN'), cluster.secret('apns-key')?.['AuthKey.p8']);
  assert.equal(resolved?.env.has('OPTIONAL'), false);
  assert.equal(resolved?.env.get('GREETING'), 'component sip-worker');
  target.env = [{ name: 'LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } }];
  const [refused] = planDeployment({ ...inputs, deployment: custom });
  assert.match(refused?.problem ?? '', /LIMIT: only fieldRef, secretKeyRef and configMapKeyRef are supported locally/);
});
