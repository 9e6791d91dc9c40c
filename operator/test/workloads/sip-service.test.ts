// The SIP Service: type, externalTrafficPolicy, source ranges, annotations and ports.
import type { V1Service } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { selectorFor } from '../../src/compile/names.ts';
import { carrierWorkloads } from '../../src/compile/workloads/index.ts';
import { find, inputsFor, minimalSpec, type SpecInput } from './fixtures.ts';

type ServiceInput = NonNullable<NonNullable<SpecInput['sipWorkers']>['service']>;

const sipService = (service: ServiceInput) => find<V1Service>(carrierWorkloads(inputsFor(minimalSpec({ sipWorkers: { service } }))), 'Service', 'mekong-telecom-sip');

const ranges = ['203.0.113.0/24', '198.51.100.0/24'];

const cases: { name: string; service: ServiceInput; type: string; policy?: string; ranges?: string[] }[] = [
  { name: 'default is a LoadBalancer with Local policy', service: {}, type: 'LoadBalancer', policy: 'Local' },
  { name: 'ClusterIP has no externalTrafficPolicy (the API server rejects it)', service: { type: 'ClusterIP' }, type: 'ClusterIP' },
  { name: 'NodePort keeps source IPs with Local', service: { type: 'NodePort' }, type: 'NodePort', policy: 'Local' },
  { name: 'LoadBalancer with source ranges', service: { type: 'LoadBalancer', loadBalancerSourceRanges: ranges }, type: 'LoadBalancer', policy: 'Local', ranges },
  { name: 'empty source ranges are omitted (empty allows all)', service: { type: 'LoadBalancer', loadBalancerSourceRanges: [] }, type: 'LoadBalancer', policy: 'Local' },
  { name: 'source ranges are dropped on ClusterIP, where they mean nothing', service: { type: 'ClusterIP', loadBalancerSourceRanges: ranges }, type: 'ClusterIP' },
  { name: 'source ranges are dropped on NodePort', service: { type: 'NodePort', loadBalancerSourceRanges: ranges }, type: 'NodePort', policy: 'Local' },
];

describe('SIP Service', () => {
  for (const c of cases) {
    test(c.name, () => {
      const spec = sipService(c.service).spec ?? {};
      assert.equal(spec.type, c.type);
      assert.equal(spec.externalTrafficPolicy, c.policy);
      assert.equal('externalTrafficPolicy' in spec, c.policy !== undefined, 'externalTrafficPolicy key present only when set');
      assert.deepEqual(spec.loadBalancerSourceRanges, c.ranges);
      assert.equal('loadBalancerSourceRanges' in spec, c.ranges !== undefined, 'loadBalancerSourceRanges key present only when set');
    });
  }

  test('annotations come from the spec and are absent when there are none', () => {
    const annotations = { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' };
    assert.deepEqual(sipService({ annotations }).metadata?.annotations, annotations);
    assert.equal('annotations' in (sipService({}).metadata ?? {}), false);
    assert.equal('annotations' in (sipService({ annotations: {} }).metadata ?? {}), false);
  });

  test('UDP and TCP on the SIP port, selecting the SIP workers', () => {
    const service = find<V1Service>(carrierWorkloads(inputsFor(minimalSpec({ sipWorkers: { ports: { sip: 5080 } } }))), 'Service', 'mekong-telecom-sip');
    assert.deepEqual(service.spec?.ports, [
      { name: 'sip-udp', port: 5080, targetPort: 'sip-udp', protocol: 'UDP' },
      { name: 'sip-tcp', port: 5080, targetPort: 'sip-tcp', protocol: 'TCP' },
    ]);
    assert.deepEqual(service.spec?.selector, selectorFor('mekong-telecom', 'sip-worker'));
  });

  test('with TLS, the Service carries the TLS port too', () => {
    const service = find<V1Service>(carrierWorkloads(inputsFor(minimalSpec({ sipWorkers: { tls: { secretRef: { name: 'sip-cert' }, port: 5062 } } }))), 'Service', 'mekong-telecom-sip');
    assert.deepEqual(service.spec?.ports?.at(-1), { name: 'sip-tls', port: 5062, targetPort: 'sip-tls', protocol: 'TCP' });
  });
});

describe('REST API Service', () => {
  test('is ClusterIP on the workers\' api port, whatever type the SIP Service is: its clients authenticate by token, and an Ingress publishes it', () => {
    const service = find<V1Service>(carrierWorkloads(inputsFor(minimalSpec({ sipWorkers: { service: { type: 'LoadBalancer' }, ports: { api: 9443 } } }))), 'Service', 'mekong-telecom-api');
    assert.equal(service.spec?.type, 'ClusterIP');
    assert.equal(service.spec?.externalTrafficPolicy, undefined);
    assert.deepEqual(service.spec?.ports, [{ name: 'api', port: 9443, targetPort: 'api', protocol: 'TCP' }]);
    assert.deepEqual(service.spec?.selector, selectorFor('mekong-telecom', 'sip-worker'));
  });
});
