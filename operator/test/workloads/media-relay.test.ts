// The rtpengine media relay: present only when enabled, host-networked, one per node, headless.
import type { V1Deployment, V1Service } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { selectorFor } from '../../src/compile/names.ts';
import { carrierWorkloads } from '../../src/compile/workloads/index.ts';
import { envOf, exampleSpec, find, images, inputsFor, minimalSpec, onlyContainer, podSpec, type SpecInput } from './fixtures.ts';

const relayName = 'mekong-telecom-media-relay';
const relay = (spec: SpecInput) => find<V1Deployment>(carrierWorkloads(inputsFor(spec)), 'Deployment', relayName);

describe('media relay', () => {
  test('disabled: no relay objects and no SWITCHYARD_MEDIA_RELAY for workers', () => {
    const objects = carrierWorkloads(inputsFor(exampleSpec({ mediaRelay: { enabled: false, publicIP: '203.0.113.50' } })));
    assert.deepEqual(objects.filter((o) => o.metadata.name === relayName), []);
    assert.equal(objects.some((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'media-relay'), false);
    const workers = find<V1Deployment>(objects, 'Deployment', 'mekong-telecom-sip-worker');
    assert.equal(envOf(onlyContainer(workers)).has('SWITCHYARD_MEDIA_RELAY'), false);
  });

  const argCases: { name: string; spec: SpecInput; args: string[] }[] = [
    {
      name: 'behind NAT: the public IP is advertised with local!public',
      spec: exampleSpec(),
      args: ['--config-file=none', '--foreground', '--log-stderr', '--table=-1', '--interface=$(POD_IP)!203.0.113.50', '--listen-ng=$(POD_IP):2223', '--port-min=30000', '--port-max=40000', '--tos=184', '--delete-delay=0'],
    },
    {
      name: 'no public IP: the pod address is advertised',
      spec: minimalSpec({ mediaRelay: { portRange: { min: 20000, max: 20999 } } }),
      args: ['--config-file=none', '--foreground', '--log-stderr', '--table=-1', '--interface=$(POD_IP)', '--listen-ng=$(POD_IP):2223', '--port-min=20000', '--port-max=20999', '--tos=184', '--delete-delay=0'],
    },
  ];
  for (const { name, spec, args } of argCases) {
    test(`rtpengine arguments, ${name}`, () => {
      const container = onlyContainer(relay(spec));
      assert.deepEqual(container.command, ['rtpengine']);
      assert.deepEqual(container.args, args);
      assert.equal(envOf(container).get('POD_IP'), 'status.podIP');
    });
  }

  test('host network, one relay per node, hardened, image default and override', () => {
    const deployment = relay(exampleSpec());
    const pod = podSpec(deployment);
    assert.equal(deployment.spec?.replicas, 1);
    assert.equal(pod.hostNetwork, true);
    assert.equal(pod.dnsPolicy, 'ClusterFirstWithHostNet');
    assert.deepEqual(pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution, [
      { labelSelector: { matchLabels: selectorFor('mekong-telecom', 'media-relay') }, topologyKey: 'kubernetes.io/hostname' },
    ]);
    assert.deepEqual(deployment.spec?.strategy?.rollingUpdate, { maxSurge: 0, maxUnavailable: 1 });
    const container = onlyContainer(deployment);
    assert.equal(container.image, images.mediaRelay);
    assert.deepEqual(container.ports, [{ name: 'ng', containerPort: 2223, hostPort: 2223, protocol: 'UDP' }]);
    assert.equal(container.securityContext?.allowPrivilegeEscalation, false);
    assert.deepEqual(container.securityContext?.capabilities, { drop: ['ALL'] });
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(onlyContainer(relay(minimalSpec({ mediaRelay: { image: 'example/rtpengine:x', replicas: 3 } }))).image, 'example/rtpengine:x');
    assert.equal(relay(minimalSpec({ mediaRelay: { replicas: 3, resources: { limits: { cpu: '2' } } } })).spec?.replicas, 3);
    assert.deepEqual(onlyContainer(relay(minimalSpec({ mediaRelay: { resources: { limits: { cpu: '2' } } } }))).resources, { limits: { cpu: '2' } });
  });

  test('headless Service with the ng port, selecting the relays', () => {
    const service = find<V1Service>(carrierWorkloads(inputsFor(exampleSpec())), 'Service', relayName);
    assert.deepEqual(service.spec, {
      type: 'ClusterIP',
      clusterIP: 'None',
      selector: selectorFor('mekong-telecom', 'media-relay'),
      ports: [{ name: 'ng', port: 2223, targetPort: 2223, protocol: 'UDP' }],
    });
  });
});
