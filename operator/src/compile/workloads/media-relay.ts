// The rtpengine media relays: a Deployment running rtpengine in userspace mode and a headless
// Service through which SIP workers resolve every relay pod (and keep each call on one of them).
import type { V1Deployment, V1Service } from '@kubernetes/client-node';
import type { DesiredObject } from '../desired.ts';
import { names, selectorFor } from '../names.ts';
import type { WorkloadInputs } from './inputs.ts';
import { desired, objectMeta, podLabels, type Manifest } from './object-meta.ts';
import { containerResources, containerSecurityContext, fieldEnv, podSecurityContext, tmpVolume, tmpVolumeMount } from './pod-hardening.ts';

/** rtpengine's ng control protocol (bencoded commands over UDP). */
export const ngPort = 2223;

/** DSCP EF (46) shifted into the TOS byte, the usual marking for voice. */
const voiceTOS = 184;

/** Where workers send ng commands: the headless Service's name resolves to every relay pod. */
export function mediaRelayControlAddress(inputs: WorkloadInputs): string {
  const { name, namespace } = inputs.carrier.metadata;
  return `${names.mediaRelay(name)}.${namespace}.svc:${ngPort}`;
}

/**
 * rtpengine 10.5 flags only. `--table=-1` is userspace forwarding, which needs no kernel module and
 * no capabilities. `--interface=LOCAL!ADVERTISED` binds the pod (= node) address and writes the
 * public address into SDP when the relay sits behind NAT. `$(POD_IP)` is expanded by the kubelet.
 */
export function rtpengineArgs(relay: WorkloadInputs['carrier']['spec']['mediaRelay']): string[] {
  const advertised = relay.publicIP ? `!${relay.publicIP}` : '';
  return [
    // Debian's package reads /etc/rtpengine/rtpengine.conf by default, which opens its CLI and HTTP
    // ports; with hostNetwork those would listen on the node. Everything comes from these flags.
    '--config-file=none',
    '--foreground',
    '--log-stderr',
    '--table=-1',
    `--interface=$(POD_IP)${advertised}`,
    `--listen-ng=$(POD_IP):${ngPort}`,
    `--port-min=${relay.portRange.min}`,
    `--port-max=${relay.portRange.max}`,
    `--tos=${voiceTOS}`,
    '--delete-delay=0',
  ];
}

/**
 * Why hostNetwork: every call allocates RTP/RTCP ports anywhere in portRange (10,000 ports by
 * default), and those must be reachable from the internet at the address rtpengine writes into
 * SDP. A Service cannot expose a port range without one entry per port, and NAT in front of the pod
 * would break symmetric latching, so the relay binds the node's address directly.
 *
 * Consequences: one relay per node (required anti-affinity; the hostPort on the ng port also keeps
 * relays of different Carriers apart, since their port ranges would collide), and rollouts replace
 * pods in place (maxSurge 0): a surge pod could never schedule when every eligible node already
 * runs a relay, and the rollout would stall.
 */
export function mediaRelayDeployment(inputs: WorkloadInputs): DesiredObject {
  const carrier = inputs.carrier.metadata.name;
  const relay = inputs.carrier.spec.mediaRelay;
  const selector = selectorFor(carrier, 'media-relay');
  const deployment: V1Deployment & Manifest = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: objectMeta(inputs, names.mediaRelay(carrier), 'media-relay'),
    spec: {
      replicas: relay.replicas,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
      template: {
        metadata: { labels: podLabels(inputs, 'media-relay') },
        spec: {
          hostNetwork: true,
          dnsPolicy: 'ClusterFirstWithHostNet',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: podSecurityContext(),
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: selector }, topologyKey: 'kubernetes.io/hostname' }],
            },
          },
          // Terminating relays leave the headless Service's DNS at once, so new calls go elsewhere;
          // the sleep keeps media flowing for calls already anchored here for a while longer.
          terminationGracePeriodSeconds: 60,
          containers: [
            {
              name: 'rtpengine',
              image: relay.image ?? inputs.images.mediaRelay,
              command: ['rtpengine'],
              args: rtpengineArgs(relay),
              env: [fieldEnv('POD_IP', 'status.podIP')],
              // Only the control port is declared; RTP ports are a range the API cannot list.
              ports: [{ name: 'ng', containerPort: ngPort, hostPort: ngPort, protocol: 'UDP' }],
              ...containerResources(relay.resources),
              lifecycle: { preStop: { sleep: { seconds: 50 } } },
              securityContext: containerSecurityContext(),
              volumeMounts: [tmpVolumeMount()],
            },
          ],
          volumes: [tmpVolume()],
        },
      },
    },
  };
  return desired(deployment);
}

export function mediaRelayService(inputs: WorkloadInputs): DesiredObject {
  const carrier = inputs.carrier.metadata.name;
  const service: V1Service & Manifest = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMeta(inputs, names.mediaRelay(carrier), 'media-relay'),
    spec: {
      type: 'ClusterIP',
      clusterIP: 'None',
      selector: selectorFor(carrier, 'media-relay'),
      ports: [{ name: 'ng', port: ngPort, targetPort: ngPort, protocol: 'UDP' }],
    },
  };
  return desired(service);
}
