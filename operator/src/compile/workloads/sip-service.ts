// The Services of the SIP worker pool: the one carriers and customers send SIP to, and the REST API's.
import type { V1Service, V1ServiceSpec } from '@kubernetes/client-node';
import type { DesiredObject } from '../desired.ts';
import { names, selectorFor } from '../names.ts';
import type { WorkloadInputs } from './inputs.ts';
import { desired, objectMeta, type Manifest } from './object-meta.ts';
import { sipTlsServicePorts } from './sip-tls.ts';

/**
 * externalTrafficPolicy Local keeps the carriers' real source IPs (SIP authenticates trunks by
 * them). It exists only for NodePort and LoadBalancer: the API server rejects it on ClusterIP.
 * loadBalancerSourceRanges only means something on a LoadBalancer, and empty allows all.
 */
function exposure(service: WorkloadInputs['carrier']['spec']['sipWorkers']['service']): Pick<V1ServiceSpec, 'type' | 'externalTrafficPolicy' | 'loadBalancerSourceRanges'> {
  const ranges = service.loadBalancerSourceRanges ?? [];
  switch (service.type) {
    case 'ClusterIP':
      return { type: 'ClusterIP' };
    case 'NodePort':
      return { type: 'NodePort', externalTrafficPolicy: 'Local' };
    case 'LoadBalancer':
      return { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ...(ranges.length > 0 ? { loadBalancerSourceRanges: [...ranges] } : {}) };
  }
}

export function sipService(inputs: WorkloadInputs): DesiredObject {
  const carrier = inputs.carrier.metadata.name;
  const pool = inputs.carrier.spec.sipWorkers;
  const service: V1Service & Manifest = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMeta(inputs, names.sipService(carrier), 'sip-worker', pool.service.annotations),
    spec: {
      ...exposure(pool.service),
      selector: selectorFor(carrier, 'sip-worker'),
      ports: [
        { name: 'sip-udp', port: pool.ports.sip, targetPort: 'sip-udp', protocol: 'UDP' },
        { name: 'sip-tcp', port: pool.ports.sip, targetPort: 'sip-tcp', protocol: 'TCP' },
        ...sipTlsServicePorts(pool.tls),
      ],
    },
  };
  return desired(service);
}

/** The REST API inside the cluster (an Ingress publishes it): ClusterIP, since its clients are authenticated by token, not by source address. */
export function restApiService(inputs: WorkloadInputs): DesiredObject {
  const carrier = inputs.carrier.metadata.name;
  const service: V1Service & Manifest = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMeta(inputs, names.restApiService(carrier), 'sip-worker'),
    spec: {
      type: 'ClusterIP',
      selector: selectorFor(carrier, 'sip-worker'),
      ports: [{ name: 'api', port: inputs.carrier.spec.sipWorkers.ports.api, targetPort: 'api', protocol: 'TCP' }],
    },
  };
  return desired(service);
}
