// One Deployment's pod template as a local process: the container's command and args, its
// environment resolved as the kubelet would, and every change a laptop needs spelled out in
// `overrides` so it can be printed. Pure: the caller reads the cluster and picks ports first.
import type { V1Container, V1Deployment, V1Volume } from '@kubernetes/client-node';
import { containerEnv, EnvError, type ClusterData, type PodIdentity } from './env.ts';
import { expand } from './expand.ts';
import type { LocalPod, ServiceDirectory } from './services.ts';

export interface ProcessPlan {
  deployment: string;
  container: string;
  component: string | undefined;
  command: string;
  args: string[];
  env: Map<string, string>;
  /** Files the pod would see through Secret and ConfigMap volumes, and emptyDir directories. */
  files: Array<{ path: string; content: string }>;
  dirs: string[];
  ports: LocalPod['ports'];
  /** The ServiceAccount whose token the pod would have mounted, if any. */
  serviceAccount: string | undefined;
  gracePeriodSeconds: number;
  /** `what: before → after (why)`, one per change from the template. */
  overrides: string[];
  /** Why the container cannot run here (the kubelet would refuse it too, or it needs what a laptop lacks). */
  problem?: string;
}

export interface PlanInputs {
  deployment: V1Deployment;
  pod: PodIdentity;
  cluster: ClusterData;
  /** Declared container port → the local port used instead, for ports already taken on the pod's address. */
  movedPorts: ReadonlyMap<number, number>;
  services: ServiceDirectory;
  /** Where a volume's files go locally. */
  volumeDir: (volume: string) => string;
}

interface Mount {
  path: string;
  local: string;
}

function volumeFiles(volume: V1Volume, local: string, cluster: ClusterData): { files: ProcessPlan['files']; dir?: string } {
  const source = volume.secret ?? volume.configMap;
  if (source) {
    const name = volume.secret ? (volume.secret.secretName ?? '') : (volume.configMap?.name ?? '');
    const kind = volume.secret ? 'Secret' : 'ConfigMap';
    const data = volume.secret ? cluster.secret(name) : cluster.configMap(name);
    if (data === undefined) {
      if (source.optional) return { files: [], dir: local };
      throw new EnvError(`volume ${volume.name}: ${kind} ${name} not found`);
    }
    const items = source.items ?? Object.keys(data).map((key) => ({ key, path: key }));
    return {
      files: items.map((item) => {
        const content = data[item.key];
        if (content === undefined) throw new EnvError(`volume ${volume.name}: ${kind} ${name} has no key ${item.key}`);
        return { path: `${local}/${item.path}`, content };
      }),
      dir: local,
    };
  }
  if (volume.emptyDir) return { files: [], dir: local };
  throw new EnvError(`volume ${volume.name}: only Secret, ConfigMap and emptyDir volumes are supported locally`);
}

/**
 * Replaces what a value says about the pod's own places (mount paths, ports) and the cluster's
 * (Services); also says which Services it names that no local process backs.
 */
function relocate(value: string, inputs: PlanInputs, mounts: Mount[]): { value: string; unbacked: string[] } {
  let result = value;
  for (const mount of mounts) {
    if (result === mount.path || result.startsWith(`${mount.path}/`)) result = `${mount.local}${result.slice(mount.path.length)}`;
  }
  for (const [declared, local] of inputs.movedPorts) {
    for (const host of [inputs.pod.ip, '0.0.0.0']) result = result.replaceAll(`${host}:${declared}`, `${host}:${local}`);
  }
  return inputs.services.rewrite(result);
}

function emptyPlan(inputs: PlanInputs, container: V1Container): ProcessPlan {
  const { deployment } = inputs;
  const spec = deployment.spec?.template.spec;
  const declared = container.ports ?? [];
  const ports = declared
    .filter((port, index) => declared.findIndex((other) => other.containerPort === port.containerPort) === index)
    .map((port) => ({ ...(port.name ? { name: port.name } : {}), containerPort: port.containerPort, localPort: inputs.movedPorts.get(port.containerPort) ?? port.containerPort }));
  return {
    deployment: deployment.metadata?.name ?? '',
    container: container.name,
    component: deployment.spec?.template.metadata?.labels?.['app.kubernetes.io/component'],
    command: '', args: [], env: new Map(), files: [], dirs: [], ports,
    serviceAccount: spec?.automountServiceAccountToken === false ? undefined : (spec?.serviceAccountName ?? 'default'),
    gracePeriodSeconds: spec?.terminationGracePeriodSeconds ?? 30,
    overrides: [],
  };
}

/** Secret and ConfigMap volumes become files under the run directory, emptyDir a directory. */
function mountVolumes(inputs: PlanInputs, container: V1Container, plan: ProcessPlan): Mount[] {
  const mounts: Mount[] = [];
  for (const mount of container.volumeMounts ?? []) {
    const volume = inputs.deployment.spec?.template.spec?.volumes?.find((candidate) => candidate.name === mount.name);
    if (!volume) throw new EnvError(`volume ${mount.name} is mounted but not defined`);
    const local = inputs.volumeDir(volume.name);
    const { files, dir } = volumeFiles(volume, local, inputs.cluster);
    plan.files.push(...files);
    if (dir) plan.dirs.push(dir);
    mounts.push({ path: mount.mountPath.replace(/\/+$/, ''), local });
  }
  return mounts.sort((a, b) => b.path.length - a.path.length);
}

/** What the template asks of the kubelet that a plain process does not get. */
function notApplied(inputs: PlanInputs, container: V1Container): string[] {
  const spec = inputs.deployment.spec?.template.spec;
  return [
    ...(spec?.securityContext || container.securityContext ? ['securityContext (runs as the user running make run)'] : []),
    ...(container.resources?.limits ? ['resource limits'] : []),
    ...(container.livenessProbe ? ['liveness probe (a process that exits stops the run instead)'] : []),
    ...(container.lifecycle?.preStop ? ['preStop hook'] : []),
    ...(spec?.hostNetwork ? ['hostNetwork (the pod address is a loopback address)'] : []),
  ];
}

function planContainer(inputs: PlanInputs, container: V1Container): ProcessPlan {
  const plan = emptyPlan(inputs, container);
  const replicas = inputs.deployment.spec?.replicas ?? 1;
  if (replicas > 1) plan.overrides.push(`replicas: ${replicas} → 1 (one process per Deployment: replicas on one host would share the pod address and ports)`);
  const ignored = notApplied(inputs, container);
  if (ignored.length > 0) plan.overrides.push(`not applied: ${ignored.join(', ')}`);
  try {
    const mounts = mountVolumes(inputs, container, plan);
    const env = containerEnv(container, inputs.pod, inputs.cluster);
    for (const [key, value] of env) {
      const port = /PORT$/i.test(key) && /^\d+$/.test(value) ? inputs.movedPorts.get(Number(value)) : undefined;
      const moved = port === undefined ? relocate(value, inputs, mounts) : { value: String(port), unbacked: [] };
      // A setting that points at a workload not running here is left out, as if that feature were off.
      if (moved.unbacked.length > 0) {
        plan.overrides.push(`env ${key}: ${value} → (unset) (nothing local backs Service ${moved.unbacked.join(', ')})`);
        continue;
      }
      if (moved.value !== value) plan.overrides.push(`env ${key}: ${value} → ${moved.value}`);
      plan.env.set(key, moved.value);
    }
    if (container.command === undefined) throw new EnvError('the template sets no command, and the image\'s entrypoint is not known outside the image');
    const [command = '', ...args] = [...container.command, ...(container.args ?? [])].map((part) => expand(part, env));
    plan.command = command;
    plan.args = args.map((arg) => {
      const moved = relocate(arg, inputs, mounts);
      if (moved.value !== arg) plan.overrides.push(`arg ${arg} → ${moved.value}`);
      if (moved.unbacked.length > 0) plan.overrides.push(`arg ${arg} names Service ${moved.unbacked.join(', ')}, which nothing local backs: left as written`);
      return moved.value;
    });
    for (const [declared, local] of inputs.movedPorts) plan.overrides.push(`port ${declared} → ${local} (${declared} is taken on ${inputs.pod.ip})`);
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    plan.problem = error.message;
  }
  return plan;
}

/** One plan per container of the Deployment's pod template (init containers are not run). */
export function planDeployment(inputs: PlanInputs): ProcessPlan[] {
  return (inputs.deployment.spec?.template.spec?.containers ?? []).map((container) => planContainer(inputs, container));
}
