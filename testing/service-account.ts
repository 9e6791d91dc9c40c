// Acting as a ServiceAccount (the chart's, or one a test limits on purpose): a token from the
// TokenRequest API in a kubeconfig of its own, so the operator and kubectl authenticate as the
// ServiceAccount, not as the test's admin.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { parse, stringify } from 'yaml';
import { kubectlBinary, type KubectlResult, type TestCluster } from './cluster.ts';

interface Kubeconfig {
  'current-context': string;
  contexts: Array<{ name: string; context: { cluster: string } }>;
  clusters: Array<{ name: string; cluster: Record<string, unknown> }>;
}

export interface ServiceAccountIdentity {
  kubeconfig: string;
  /** kubectl as the ServiceAccount. */
  kubectl(args: string[], input?: string): Promise<KubectlResult>;
}

export async function actAsServiceAccount(cluster: TestCluster, namespace: string, name: string): Promise<ServiceAccountIdentity> {
  const token = (await cluster.kubectlOk(['create', 'token', name, '-n', namespace, '--duration=2h'])).trim();
  const admin = parse(await readFile(cluster.kubeconfig, 'utf8')) as Kubeconfig;
  const clusterName = admin.contexts.find((c) => c.name === admin['current-context'])?.context.cluster;
  const server = admin.clusters.find((c) => c.name === clusterName)?.cluster;
  if (!server) throw new Error(`${cluster.kubeconfig} has no current cluster`);
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-sa-'));
  after(() => rm(dir, { recursive: true, force: true }));
  const kubeconfig = join(dir, 'kubeconfig');
  const user = `system:serviceaccount:${namespace}:${name}`;
  await writeFile(kubeconfig, stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'cluster', cluster: server }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: user, context: { cluster: 'cluster', user } }],
    'current-context': user,
  }), { mode: 0o600 });
  return {
    kubeconfig,
    kubectl: (args, input) => new Promise((resolve) => {
      const child = execFile(kubectlBinary, ['--kubeconfig', kubeconfig, ...args], (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      });
      // kubectl that reads no stdin may exit before it is closed: an EPIPE then is no failure.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(input ?? '');
    }),
  };
}
