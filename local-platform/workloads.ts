// The Deployments the operator wrote, run as local processes: one process per Deployment (and
// container), each on an address of its own, from the command, args and env of its pod template.
import type { V1Container, V1Deployment, V1Service } from '@kubernetes/client-node';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { serviceAccountKubeconfig } from './kube/service-account-kubeconfig.ts';
import type { Kubectl } from './kube/kubectl.ts';
import type { ClusterData, PodIdentity } from './pod-template/env.ts';
import { applyLaptopOverrides } from './pod-template/laptop-overrides.ts';
import { planDeployment, type ProcessPlan } from './pod-template/local-process.ts';
import { ServiceDirectory, type LocalPod } from './pod-template/services.ts';
import { childEnv, onPath } from './processes/child-env.ts';
import { movePortsInUse, podAddresses } from './processes/pod-addresses.ts';
import { readinessURL } from './processes/probes.ts';
import type { Started, Supervisor } from './processes/supervisor.ts';

export interface WorkloadContext {
  repoRoot: string;
  runDir: string;
  adminKubeconfig: string;
  kubectl: Kubectl;
  supervisor: Supervisor;
  say: (line: string) => void;
}

export interface RunningWorkload {
  plan: ProcessPlan;
  ip: string;
  process: Started;
  logFile: string;
  readinessURL: string | undefined;
}

export interface Workloads {
  running: RunningWorkload[];
  services: ServiceDirectory;
}

/** Why the container's program cannot run here, judged from the template before anything starts. */
function missingProgram(container: V1Container, repoRoot: string): string | undefined {
  const [command, ...rest] = [...(container.command ?? []), ...(container.args ?? [])];
  if (command === undefined) return undefined;
  if (!onPath(command)) return `${command} is not on PATH`;
  const script = command === 'node' ? rest.find((arg) => !arg.startsWith('-')) : undefined;
  if (script && !existsSync(join(repoRoot, script))) return `${script} is not in this checkout`;
  return undefined;
}

async function clusterData(kubectl: Kubectl, namespace: string): Promise<ClusterData> {
  type Items = { items: Array<{ metadata: { name: string }; data?: Record<string, string> }> };
  const [secrets, configMaps] = await Promise.all([kubectl.json<Items>(['get', 'secrets', '-n', namespace]), kubectl.json<Items>(['get', 'configmaps', '-n', namespace])]);
  const decoded = new Map(secrets.items.map((item) => [item.metadata.name, Object.fromEntries(Object.entries(item.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]))]));
  const plain = new Map(configMaps.items.map((item) => [item.metadata.name, item.data ?? {}]));
  return { secret: (name) => decoded.get(name), configMap: (name) => plain.get(name) };
}

const component = (deployment: V1Deployment) => deployment.spec?.template.metadata?.labels?.['app.kubernetes.io/component'];

interface Placed {
  deployment: V1Deployment;
  pod: LocalPod;
  moved: Map<number, number>;
}

/** An address for each Deployment whose program exists here, and its declared ports (moved where taken). */
async function place(context: WorkloadContext, deployments: V1Deployment[]): Promise<Placed[]> {
  const nextAddress = podAddresses(context.runDir);
  const claimed = new Set<string>();
  // SIP workers last: what they call (relay, push) is up before they take calls.
  const ordered = [...deployments].sort((a, b) => Number(component(a) === 'sip-worker') - Number(component(b) === 'sip-worker'));
  const placed: Placed[] = [];
  for (const deployment of ordered) {
    const containers = deployment.spec?.template.spec?.containers ?? [];
    const missing = containers.map((container) => missingProgram(container, context.repoRoot)).find(Boolean);
    if (missing) {
      const relayNote = component(deployment) === 'media-relay' ? ' (apt-get install rtpengine-daemon): media relay skipped, calls connect without media anchoring' : '';
      context.say(`${deployment.metadata?.name}: skipped: ${missing}${relayNote}`);
      continue;
    }
    const ip = nextAddress();
    const declared = containers.flatMap((container) => container.ports ?? []);
    const moved = await movePortsInUse(ip, declared, claimed);
    const ports = declared.map((port) => ({ ...(port.name ? { name: port.name } : {}), containerPort: port.containerPort, localPort: moved.get(port.containerPort) ?? port.containerPort }));
    placed.push({ deployment, pod: { labels: deployment.spec?.template.metadata?.labels ?? {}, ip, ports }, moved });
  }
  return placed;
}

function podIdentity(deployment: V1Deployment, ip: string): PodIdentity {
  const name = deployment.metadata?.name ?? '';
  const template = deployment.spec?.template;
  return {
    name: `${name}-local`, namespace: deployment.metadata?.namespace ?? 'default', uid: randomUUID(), ip, nodeName: hostname(),
    serviceAccountName: template?.spec?.serviceAccountName ?? 'default', labels: template?.metadata?.labels ?? {}, annotations: template?.metadata?.annotations ?? {},
  };
}

async function materialize(plan: ProcessPlan): Promise<void> {
  await Promise.all(plan.dirs.map((path) => mkdir(path, { recursive: true })));
  await Promise.all(plan.files.map(async (file) => {
    await mkdir(dirname(file.path), { recursive: true });
    await writeFile(file.path, file.content, { mode: 0o600 });
  }));
}

/** Lazily, once per ServiceAccount: its token kubeconfig, renewed until the run stops. */
function tokenKubeconfigs(context: WorkloadContext): (namespace: string, account: string) => Promise<string> {
  const made = new Map<string, Promise<string>>();
  return (namespace, account) => {
    const key = `${namespace}/${account}`;
    const existing = made.get(key);
    if (existing) return existing;
    const path = serviceAccountKubeconfig(context.kubectl, context.adminKubeconfig, namespace, account, join(context.runDir, 'tokens'), context.say).then((kubeconfig) => {
      context.supervisor.adopt(`token renewal for ServiceAccount ${key}`, [], () => Promise.resolve(kubeconfig.stop()));
      return kubeconfig.path;
    });
    made.set(key, path);
    return path;
  };
}

export async function startWorkloads(context: WorkloadContext, deployments: V1Deployment[], services: V1Service[]): Promise<Workloads> {
  const { say, supervisor, runDir } = context;
  const placed = await place(context, deployments);
  const directory = new ServiceDirectory(services, placed.map(({ pod }) => pod));
  const data = new Map<string, Promise<ClusterData>>();
  const tokenKubeconfig = tokenKubeconfigs(context);
  const running: RunningWorkload[] = [];
  for (const { deployment, pod: local, moved } of placed) {
    const pod = podIdentity(deployment, local.ip);
    const cluster = data.get(pod.namespace) ?? clusterData(context.kubectl, pod.namespace);
    data.set(pod.namespace, cluster);
    const volumes = join(runDir, 'pods', pod.name, 'volumes');
    const plans = planDeployment({ deployment, pod, cluster: await cluster, movedPorts: moved, services: directory, volumeDir: (volume) => join(volumes, volume) });
    for (const plan of plans) {
      const label = plans.length > 1 ? `${plan.deployment}/${plan.container}` : plan.deployment;
      const kubeconfig = plan.serviceAccount && !plan.problem ? await tokenKubeconfig(pod.namespace, plan.serviceAccount) : undefined;
      applyLaptopOverrides(plan, { podIP: local.ip, serviceAccountKubeconfig: kubeconfig });
      if (plan.problem) {
        say(`${label}: skipped: ${plan.problem}`);
        continue;
      }
      for (const override of plan.overrides) say(`override ${label}: ${override}`);
      await materialize(plan);
      const logFile = join(runDir, `${label.replace('/', '.')}.log`);
      const graceMs = Math.min(plan.gracePeriodSeconds, 10) * 1000;
      const started = supervisor.start(label, plan.command, plan.args, { env: childEnv(Object.fromEntries(plan.env)), cwd: context.repoRoot, logFile, graceMs });
      say(`${label}: started ${[plan.command, ...plan.args].join(' ')} as pod ${pod.name} at ${local.ip} (pid ${started.pid}); log ${logFile}`);
      const container = deployment.spec?.template.spec?.containers.find((candidate) => candidate.name === plan.container);
      running.push({ plan, ip: local.ip, process: started, logFile, readinessURL: readinessURL(container?.readinessProbe, plan, local.ip) });
    }
  }
  return { running, services: directory };
}
