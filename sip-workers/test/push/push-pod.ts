// Starts the push service as the kubelet would start a pod of its Deployment: the container's
// command and environment, each Secret volume written where it would be mounted (under a
// temporary root), and downward-API variables filled in. The caller adds what only a laptop needs
// (listen address, the fake gateways' URLs and CA, a kubeconfig in place of the mounted token).
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after } from 'node:test';
import type { V1Container, V1Deployment, V1PodSpec, V1Volume } from '@kubernetes/client-node';
import { collectJsonLines } from '../../../testing/json-log-lines.ts';
import { eventually } from '../../../testing/operator-process.ts';

const repoRoot = new URL('../../..', import.meta.url).pathname;

export interface PushPod {
  container: V1Container;
  child: ChildProcessWithoutNullStreams;
  logs: Array<Record<string, unknown>>;
  /** http://host:port of its API. */
  base: string;
  exited: Promise<number | null>;
  stderr: () => string;
}

/** Each Secret volume's items as files under `root` + mountPath, as the kubelet projects them. */
function mountSecrets(pod: V1PodSpec, container: V1Container, root: string, secrets: Record<string, Record<string, string>>): Map<string, string> {
  const moved = new Map<string, string>();
  for (const mount of container.volumeMounts ?? []) {
    const volume: V1Volume | undefined = pod.volumes?.find((candidate) => candidate.name === mount.name);
    if (!volume?.secret) continue;
    for (const item of volume.secret.items ?? []) {
      const content = secrets[volume.secret.secretName ?? '']?.[item.key];
      assert.ok(content !== undefined, `Secret ${volume.secret.secretName} key ${item.key}`);
      const file = join(root, mount.mountPath, item.path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content, { mode: 0o440 });
    }
    moved.set(mount.mountPath, join(root, mount.mountPath));
  }
  return moved;
}

export interface PushPodOptions {
  deployment: V1Deployment;
  /** Secret name → key → content, for the volumes. */
  secrets: Record<string, Record<string, string>>;
  /** metadata.* fields the downward API would give (name, namespace, uid). */
  podMeta?: { name: string; namespace: string; uid?: string };
  env: Record<string, string>;
}

export async function startPushPod(options: PushPodOptions): Promise<PushPod> {
  const pod = options.deployment.spec?.template.spec;
  const container = pod?.containers[0];
  assert.ok(pod && container, 'the Deployment has a pod template with a container');
  const root = mkdtempSync(join(tmpdir(), 'switchyard-push-pod-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const mounts = mountSecrets(pod, container, root, options.secrets);
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    const field = variable.valueFrom?.fieldRef?.fieldPath;
    if (field) {
      const value = { 'metadata.name': options.podMeta?.name, 'metadata.namespace': options.podMeta?.namespace, 'metadata.uid': options.podMeta?.uid }[field];
      if (value !== undefined) env[variable.name] = value;
      continue;
    }
    const value = variable.value ?? '';
    const mount = [...mounts.keys()].find((path) => value.startsWith(`${path}/`));
    env[variable.name] = mount === undefined ? value : `${mounts.get(mount)}${value.slice(mount.length)}`;
  }
  const child = spawn(process.execPath, [container.command?.[1] ?? ''], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, ...env, SWITCHYARD_HTTP_HOST: '127.0.0.1', SWITCHYARD_HTTP_PORT: '0', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as unknown as ChildProcessWithoutNullStreams;
  const logs: Array<Record<string, unknown>> = [];
  collectJsonLines(child.stdout, logs);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const listening = await eventually(`the listening log line (stderr: ${stderr})`, () => logs.find((line) => line.msg === 'push service listening'), 15_000, 50);
  return { container, child, logs, base: `http://${String(listening.http)}`, exited, stderr: () => stderr };
}
