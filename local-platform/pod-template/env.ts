// A container's environment as the kubelet builds it: envFrom first, then env in order, each value
// expanded against the variables defined before it; valueFrom read from the pod's own fields or
// from Secrets and ConfigMaps in its namespace.
import type { V1Container, V1EnvVar } from '@kubernetes/client-node';
import { expand } from './expand.ts';

/** What the pod's downward API would report, with local values standing in. */
export interface PodIdentity {
  name: string;
  namespace: string;
  uid: string;
  ip: string;
  nodeName: string;
  serviceAccountName: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Secrets (values decoded) and ConfigMaps of the pod's namespace, read from the API beforehand. */
export interface ClusterData {
  secret(name: string): Record<string, string> | undefined;
  configMap(name: string): Record<string, string> | undefined;
}

/** A reference the kubelet could not resolve either: the container would not start. */
export class EnvError extends Error {}

const quoted = /^metadata\.(labels|annotations)\['([^']+)'\]$/;

export function fieldValue(fieldPath: string, pod: PodIdentity): string {
  const simple: Record<string, string> = {
    'metadata.name': pod.name,
    'metadata.namespace': pod.namespace,
    'metadata.uid': pod.uid,
    'spec.nodeName': pod.nodeName,
    'spec.serviceAccountName': pod.serviceAccountName,
    'status.podIP': pod.ip,
    'status.podIPs': pod.ip,
    'status.hostIP': pod.ip,
    'status.hostIPs': pod.ip,
  };
  const value = simple[fieldPath];
  if (value !== undefined) return value;
  const match = quoted.exec(fieldPath);
  if (match?.[1] && match[2]) return (match[1] === 'labels' ? pod.labels : pod.annotations)[match[2]] ?? '';
  throw new EnvError(`fieldRef ${fieldPath} is not supported locally`);
}

function keyOf(kind: 'Secret' | 'ConfigMap', data: Record<string, string> | undefined, ref: { name: string; key: string; optional?: boolean }): string | undefined {
  if (data === undefined) {
    if (ref.optional) return undefined;
    throw new EnvError(`${kind} ${ref.name} not found`);
  }
  const value = data[ref.key];
  if (value === undefined && !ref.optional) throw new EnvError(`${kind} ${ref.name} has no key ${ref.key}`);
  return value;
}

function resolveOne(variable: V1EnvVar, defined: ReadonlyMap<string, string>, pod: PodIdentity, cluster: ClusterData): string | undefined {
  const from = variable.valueFrom;
  if (!from) return expand(variable.value ?? '', defined);
  if (from.fieldRef) return fieldValue(from.fieldRef.fieldPath, pod);
  if (from.secretKeyRef) return keyOf('Secret', cluster.secret(from.secretKeyRef.name ?? ''), { ...from.secretKeyRef, name: from.secretKeyRef.name ?? '' });
  if (from.configMapKeyRef) return keyOf('ConfigMap', cluster.configMap(from.configMapKeyRef.name ?? ''), { ...from.configMapKeyRef, name: from.configMapKeyRef.name ?? '' });
  throw new EnvError(`env ${variable.name}: only fieldRef, secretKeyRef and configMapKeyRef are supported locally`);
}

/** The container's variables in the order the kubelet defines them (later entries win). */
export function containerEnv(container: V1Container, pod: PodIdentity, cluster: ClusterData): Map<string, string> {
  const env = new Map<string, string>();
  for (const source of container.envFrom ?? []) {
    const prefix = source.prefix ?? '';
    const ref = source.secretRef ?? source.configMapRef;
    const kind = source.secretRef ? 'Secret' : 'ConfigMap';
    if (!ref) continue;
    const data = kind === 'Secret' ? cluster.secret(ref.name ?? '') : cluster.configMap(ref.name ?? '');
    if (data === undefined && !ref.optional) throw new EnvError(`envFrom: ${kind} ${ref.name} not found`);
    for (const [key, value] of Object.entries(data ?? {})) env.set(`${prefix}${key}`, value);
  }
  for (const variable of container.env ?? []) {
    try {
      const value = resolveOne(variable, env, pod, cluster);
      if (value !== undefined) env.set(variable.name, value);
    } catch (error) {
      if (error instanceof EnvError && !error.message.startsWith('env ')) throw new EnvError(`env ${variable.name}: ${error.message}`);
      throw error;
    }
  }
  return env;
}
