// Cluster DNS stands in: a Service's name (`svc`, `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local`)
// with one of its ports becomes the address and port of the local process its selector matches.
import type { V1Service } from '@kubernetes/client-node';

/** A process running locally in place of a pod: its labels, address and where each declared port went. */
export interface LocalPod {
  labels: Record<string, string>;
  ip: string;
  ports: Array<{ name?: string; containerPort: number; localPort: number }>;
}

interface ServiceEntry {
  service: string;
  aliases: string[];
  /** Service port → local endpoint; empty when no local process backs the Service. */
  ports: Map<number, { ip: string; port: number }>;
  backed: boolean;
}

export interface Rewrite {
  value: string;
  /** Services mentioned whose workload does not run locally. */
  unbacked: string[];
}

const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value);

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class ServiceDirectory {
  private readonly entries: ServiceEntry[];

  constructor(services: V1Service[], pods: LocalPod[]) {
    this.entries = services.map((service) => {
      const name = service.metadata?.name ?? '';
      const namespace = service.metadata?.namespace ?? 'default';
      const pod = pods.find((candidate) => selects(service.spec?.selector ?? {}, candidate.labels));
      const ports = new Map<number, { ip: string; port: number }>();
      for (const port of service.spec?.ports ?? []) {
        const target = port.targetPort ?? port.port;
        const declared = pod?.ports.find((candidate) => (typeof target === 'number' ? candidate.containerPort === target : candidate.name === target || String(candidate.containerPort) === target));
        if (pod && declared) ports.set(port.port, { ip: pod.ip, port: declared.localPort });
      }
      // Longest first, so `svc.ns.svc` is matched before `svc`.
      const aliases = [`${name}.${namespace}.svc.cluster.local`, `${name}.${namespace}.svc`, `${name}.${namespace}`, name];
      return { service: `${namespace}/${name}`, aliases, ports, backed: pod !== undefined };
    });
  }

  /** Where the local process behind a Service's port listens. */
  endpoint(namespace: string, name: string, port: number): { ip: string; port: number } | undefined {
    return this.entries.find((entry) => entry.service === `${namespace}/${name}`)?.ports.get(port);
  }

  /** Rewrites every `alias:port` (and bare alias) in `value` to the local endpoint behind it. */
  rewrite(value: string): Rewrite {
    const unbacked: string[] = [];
    let result = value;
    for (const entry of this.entries) {
      const pattern = new RegExp(`(?<![\\w.-])(${entry.aliases.map(escapeRegExp).join('|')})(?::(\\d+))?(?![\\w.-])`, 'g');
      result = result.replace(pattern, (whole, alias: string, port: string | undefined, offset: number, text: string) => {
        // A short name without a port is a host only after `//`; elsewhere it may just be a name.
        if (!alias.includes('.svc') && port === undefined && !text.slice(0, offset).endsWith('//')) return whole;
        if (!entry.backed) {
          unbacked.push(entry.service);
          return whole;
        }
        if (port === undefined) return [...entry.ports.values()][0]?.ip ?? whole;
        const endpoint = entry.ports.get(Number(port));
        if (!endpoint) {
          unbacked.push(`${entry.service} port ${port}`);
          return whole;
        }
        return `${endpoint.ip}:${endpoint.port}`;
      });
    }
    return { value: result, unbacked };
  }
}
