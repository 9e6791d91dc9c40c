// The kubelet's readiness probe, run against the local process: httpGet on the pod address.
import type { V1Probe } from '@kubernetes/client-node';
import type { ProcessPlan } from '../pod-template/local-process.ts';

/** The probe's URL on the local process, or undefined when it has no httpGet readiness probe. */
export function readinessURL(probe: V1Probe | undefined, plan: ProcessPlan, ip: string): string | undefined {
  const get = probe?.httpGet;
  if (!get) return undefined;
  const declared = plan.ports.find((port) => (typeof get.port === 'number' ? port.containerPort === get.port : port.name === get.port || String(port.containerPort) === get.port));
  const port = declared?.localPort ?? (typeof get.port === 'number' ? get.port : Number(get.port));
  if (!Number.isInteger(port)) return undefined;
  return `${(get.scheme ?? 'HTTP').toLowerCase()}://${ip}:${port}${get.path ?? '/'}`;
}

/** The body when the probe passes (2xx or 3xx, as the kubelet counts it), else undefined. */
export async function probe(url: string): Promise<string | undefined> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000), redirect: 'manual' });
  const body = await response.text();
  return response.status >= 200 && response.status < 400 ? body : undefined;
}
