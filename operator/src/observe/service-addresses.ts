// What the operator keeps of the Services it owns: what the applier needs of any owned object, and
// where each is reached, which a Carrier's status reports of its SIP Service (as Gateway API
// reports a Gateway's). A load balancer's addresses appear when its controller writes them.
import type { ServiceAddress } from '../compile/observed.ts';
import { ownedMeta, type OwnedMeta } from './projections.ts';
import type { RawObject } from './reflector.ts';

export interface ServiceEntry extends OwnedMeta {
  addresses: ServiceAddress[];
}

interface RawService {
  spec?: { type?: string; clusterIPs?: string[]; clusterIP?: string; externalIPs?: string[] };
  status?: { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string }> } };
}

/**
 * The load balancer's ingress and the externalIPs; for type ClusterIP, the cluster IPs (reachable
 * inside the cluster only). NodePort has none of its own: any node's address serves it.
 */
export function serviceAddresses(object: RawObject): ServiceAddress[] {
  const { spec, status } = object as RawService;
  const balanced = (status?.loadBalancer?.ingress ?? []).flatMap((ingress): ServiceAddress[] => {
    if (ingress.ip) return [{ type: 'IPAddress', value: ingress.ip }];
    return ingress.hostname ? [{ type: 'Hostname', value: ingress.hostname }] : [];
  });
  const external = (spec?.externalIPs ?? []).map((ip): ServiceAddress => ({ type: 'IPAddress', value: ip }));
  const exposed = [...balanced, ...external];
  if (exposed.length > 0 || spec?.type !== 'ClusterIP') return exposed.slice(0, 16);
  const clusterIPs = spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : []);
  return clusterIPs.filter((ip) => ip !== 'None').map((ip) => ({ type: 'IPAddress', value: ip }));
}

export function serviceEntry(object: RawObject): ServiceEntry {
  return { ...ownedMeta(object), addresses: serviceAddresses(object) };
}
