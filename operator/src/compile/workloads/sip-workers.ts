// The SIP worker pool: the Deployment whose pods carriers and customers send SIP to.
import type { V1Deployment, V1EnvVar, V1PodSecurityContext } from '@kubernetes/client-node';
import { handedOverField, type DesiredObject } from '../desired.ts';
import { names, selectorFor } from '../names.ts';
import { heapLimitEnv } from './heap-limit.ts';
import type { WorkloadInputs } from './inputs.ts';
import { mediaRelayControlAddress } from './media-relay.ts';
import { desired, objectMeta, podLabels, type Manifest } from './object-meta.ts';
import { containerResources, containerSecurityContext, fieldEnv, podSecurityContext, tmpVolume, tmpVolumeMount } from './pod-hardening.ts';
import { pushServiceURL } from './push-service.ts';
import { flowTokenKeyField } from '../sip-worker-key.ts';
import { sipTlsPieces } from './sip-tls.ts';

/**
 * How long a stopping worker has: the preStop sleep lets kube-proxy and cloud load balancers stop
 * sending it new traffic, then SIGTERM tells it to refuse new INVITEs and let calls in progress end.
 * Calls still up when the period ends are cut, so this bounds a rollout step, not a call.
 */
export const drainSeconds = 60;
const preStopSleepSeconds = 5;

function workerEnv(inputs: WorkloadInputs): V1EnvVar[] {
  const { metadata, spec } = inputs.carrier;
  const relay = spec.mediaRelay.enabled ? mediaRelayControlAddress(inputs) : undefined;
  return [
    { name: 'SWITCHYARD_CARRIER', value: metadata.name },
    fieldEnv('SWITCHYARD_NAMESPACE', 'metadata.namespace'),
    fieldEnv('SWITCHYARD_POD_NAME', 'metadata.name'),
    fieldEnv('SWITCHYARD_POD_IP', 'status.podIP'),
    { name: 'SWITCHYARD_SIP_PORT', value: String(spec.sipWorkers.ports.sip) },
    { name: 'SWITCHYARD_HTTP_PORT', value: String(spec.sipWorkers.ports.http) },
    { name: 'SWITCHYARD_API_PORT', value: String(spec.sipWorkers.ports.api) },
    { name: 'SWITCHYARD_ROUTING_MANIFEST', value: names.routingManifest(metadata.name) },
    { name: 'SWITCHYARD_WEBHOOK_TIMEOUT_SECONDS', value: String(spec.webhooks.timeoutSeconds) },
    { name: 'SWITCHYARD_WEBHOOK_SIGNATURE_HEADER', value: spec.webhooks.signatureHeader },
    { name: 'SWITCHYARD_MAX_CALL_SECONDS', value: String(spec.calls.maxDurationSeconds) },
    { name: 'SWITCHYARD_DIALOG_KEEPALIVE_SECONDS', value: String(spec.calls.dialogKeepaliveSeconds) },
    { name: 'SWITCHYARD_API_CALLS_PER_SECOND', value: String(spec.calls.apiCallsPerSecond) },
    { name: 'SWITCHYARD_API_CALL_RETENTION_SECONDS', value: String(spec.calls.apiCallRetentionSeconds) },
    ...(relay === undefined
      ? []
      : [
          { name: 'SWITCHYARD_MEDIA_RELAY', value: relay },
          // rtpengine latching is chosen per call in ng offers, so the worker needs the setting.
          { name: 'SWITCHYARD_MEDIA_SYMMETRIC_LATCHING', value: String(spec.mediaRelay.symmetricLatching) },
        ]),
    // A Secret reference, not a value: Redis URLs carry passwords. The kubelet resolves it.
    ...(spec.registrar
      ? [
          { name: 'SWITCHYARD_REDIS_URL', valueFrom: { secretKeyRef: { name: spec.registrar.redisURLSecretRef.name, key: spec.registrar.redisURLSecretRef.key } } },
          // Replicas relay calls to each other's TCP, TLS and NAT'd UDP phones with tokens this key signs.
          { name: 'SWITCHYARD_FLOW_TOKEN_KEY', valueFrom: { secretKeyRef: { name: names.sipWorkerKey(metadata.name), key: flowTokenKeyField } } },
        ]
      : []),
    ...(spec.push
      ? [
          { name: 'SWITCHYARD_PUSH_SERVICE', value: pushServiceURL(inputs) },
          // How long a call waits for the woken phone to REGISTER is the worker's decision.
          { name: 'SWITCHYARD_PUSH_REGISTRATION_TIMEOUT_SECONDS', value: String(spec.push.registrationTimeoutSeconds) },
        ]
      : []),
    ...sipTlsPieces(spec.sipWorkers.tls).env,
    ...heapLimitEnv(spec.sipWorkers.resources?.limits?.memory),
  ];
}

/** Ports below 1024 need the unprivileged-port sysctl (a "safe", namespaced one) for a non-root worker. */
function workerPodSecurityContext(inputs: WorkloadInputs): V1PodSecurityContext {
  const { ports, tls } = inputs.carrier.spec.sipWorkers;
  const lowest = Math.min(ports.sip, ports.http, ports.api, tls?.port ?? ports.sip);
  return {
    ...podSecurityContext(),
    ...(lowest < 1024 ? { sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: String(lowest) }] } : {}),
  };
}

export function sipWorkerDeployment(inputs: WorkloadInputs): DesiredObject {
  const carrier = inputs.carrier.metadata.name;
  const pool = inputs.carrier.spec.sipWorkers;
  const tls = sipTlsPieces(pool.tls);
  const selector = selectorFor(carrier, 'sip-worker');
  // Spread per ReplicaSet (pod-template-hash) so a rollout spreads its new pods too; tainted
  // (e.g. cordoned) nodes do not count, so draining a node never leaves a worker unschedulable.
  const spread = (topologyKey: string, whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway') => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable,
    labelSelector: { matchLabels: selector },
    matchLabelKeys: ['pod-template-hash'],
    nodeTaintsPolicy: 'Honor',
  });
  const deployment: V1Deployment & Manifest = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: objectMeta(inputs, names.sipWorkers(carrier), 'sip-worker'),
    spec: {
      // Under autoscaling the HorizontalPodAutoscaler sets the count, and applying one would undo it.
      ...(pool.autoscaling ? {} : { replicas: pool.replicas }),
      selector: { matchLabels: selector },
      // Never below the configured capacity during a rollout: bring one new worker up first.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        // No checksum or timestamp annotations: workers watch their routing ConfigMaps and reload
        // live, so publishing routing must never roll this Deployment.
        metadata: { labels: podLabels(inputs, 'sip-worker') },
        spec: {
          serviceAccountName: names.sipWorkers(carrier),
          // Workers watch the routing ConfigMaps and their Secret (see worker-rbac.ts).
          automountServiceAccountToken: true,
          enableServiceLinks: false,
          securityContext: workerPodSecurityContext(inputs),
          terminationGracePeriodSeconds: drainSeconds,
          topologySpreadConstraints: [spread('kubernetes.io/hostname', 'DoNotSchedule'), spread('topology.kubernetes.io/zone', 'ScheduleAnyway')],
          containers: [
            {
              name: 'sip-worker',
              image: pool.image ?? inputs.images.sipWorker,
              command: ['node', 'sip-workers/src/main.ts'],
              env: workerEnv(inputs),
              ports: [
                { name: 'sip-udp', containerPort: pool.ports.sip, protocol: 'UDP' },
                { name: 'sip-tcp', containerPort: pool.ports.sip, protocol: 'TCP' },
                ...tls.ports,
                { name: 'http', containerPort: pool.ports.http, protocol: 'TCP' },
                { name: 'api', containerPort: pool.ports.api, protocol: 'TCP' },
              ],
              readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5, failureThreshold: 2 },
              livenessProbe: { httpGet: { path: '/livez', port: 'http' }, periodSeconds: 10, failureThreshold: 3 },
              ...containerResources(pool.resources),
              lifecycle: { preStop: { sleep: { seconds: preStopSleepSeconds } } },
              securityContext: containerSecurityContext(),
              volumeMounts: [tmpVolumeMount(), ...tls.volumeMounts],
            },
          ],
          volumes: [tmpVolume(), ...tls.volumes],
        },
      },
    },
  };
  const object = desired(deployment);
  if (pool.autoscaling) object[handedOverField] = { path: ['spec', 'replicas'], initial: pool.autoscaling.minReplicas };
  return object;
}
