// A pod's ServiceAccount token, outside a pod: requested from the TokenRequest API (as the kubelet
// does for a projected token), written to a file and renewed at 80% of its lifetime, with a
// kubeconfig pointing at that file. So a local worker has exactly the rights of the Role the
// operator wrote for it, not the administrator's.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { Kubectl } from './kubectl.ts';

const lifetimeSeconds = 3600;

export interface ServiceAccountKubeconfig {
  path: string;
  stop(): void;
}

interface AdminKubeconfig {
  clusters?: Array<{ cluster?: { server?: string; 'certificate-authority-data'?: string } }>;
}

export async function serviceAccountKubeconfig(kubectl: Kubectl, adminKubeconfig: string, namespace: string, serviceAccount: string, dir: string, onError: (message: string) => void): Promise<ServiceAccountKubeconfig> {
  const admin = parse(await readFile(adminKubeconfig, 'utf8')) as AdminKubeconfig;
  const cluster = admin.clusters?.[0]?.cluster;
  if (!cluster?.server) throw new Error(`${adminKubeconfig} names no API server`);
  await mkdir(dir, { recursive: true });
  const tokenFile = join(dir, `${namespace}.${serviceAccount}.token`);
  const path = join(dir, `${namespace}.${serviceAccount}.kubeconfig`);
  const renew = async () => {
    const token = (await kubectl.ok(['create', 'token', serviceAccount, '-n', namespace, `--duration=${lifetimeSeconds}s`])).trim();
    await writeFile(tokenFile, token, { mode: 0o600 });
  };
  await renew();
  // @kubernetes/client-node reads a token file through the `tokenFile` auth provider (what it uses
  // in a pod) and reads it again every minute; a `token` written inline could not be renewed.
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster }],
    users: [{ name: serviceAccount, user: { 'auth-provider': { name: 'tokenFile', config: { tokenFile } } } }],
    contexts: [{ name: 'local', context: { cluster: 'local', user: serviceAccount, namespace } }],
    'current-context': 'local',
  };
  await writeFile(path, stringify(config), { mode: 0o600 });
  const timer = setInterval(() => void renew().catch((error: unknown) => onError(`renewing the ${serviceAccount} token failed: ${(error as Error).message}`)), lifetimeSeconds * 800);
  timer.unref();
  return { path, stop: () => clearInterval(timer) };
}
