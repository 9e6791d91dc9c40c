// Where a Service is reached, as a Carrier's status reports its SIP Service: what each Service
// type and state gives.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serviceAddresses } from '../src/observe/service-addresses.ts';

const service = (spec: object, status: object = {}) => ({ metadata: { name: 'mekong-sip', namespace: 'telco' }, spec, status });

test('a load balancer\'s ingress IPs and hostnames, then the externalIPs', () => {
  assert.deepEqual(serviceAddresses(service({ type: 'LoadBalancer', clusterIP: '10.96.0.10', externalIPs: ['198.51.100.7'] }, { loadBalancer: { ingress: [{ ip: '203.0.113.50' }, { hostname: 'abc.elb.example' }, {}] } })), [
    { type: 'IPAddress', value: '203.0.113.50' },
    { type: 'Hostname', value: 'abc.elb.example' },
    { type: 'IPAddress', value: '198.51.100.7' },
  ]);
});

test('a LoadBalancer still waiting for its address has none, and neither has a NodePort', () => {
  assert.deepEqual(serviceAddresses(service({ type: 'LoadBalancer', clusterIP: '10.96.0.10' }, { loadBalancer: {} })), []);
  assert.deepEqual(serviceAddresses(service({ type: 'NodePort', clusterIP: '10.96.0.10' })), []);
});

test('a ClusterIP Service gives its cluster IPs, both families; a headless one none', () => {
  assert.deepEqual(serviceAddresses(service({ type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10', 'fd00::a'] })), [
    { type: 'IPAddress', value: '10.96.0.10' },
    { type: 'IPAddress', value: 'fd00::a' },
  ]);
  assert.deepEqual(serviceAddresses(service({ type: 'ClusterIP', clusterIP: '10.96.0.10' })), [{ type: 'IPAddress', value: '10.96.0.10' }]);
  assert.deepEqual(serviceAddresses(service({ type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'] })), []);
});
