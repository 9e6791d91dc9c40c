// Where the API server is and how this process authenticates to it. The pod's service account
// and kubeconfigs with certificates or tokens (the test control plane's, most clusters') are read
// here. Anything else (exec plugins, auth providers, several kubeconfig files) goes through
// @kubernetes/client-node's KubeConfig, imported only then: loading that module alone costs the
// operator ~80 MB of memory, a sixth of its budget, and a SIP worker pod 36 MB and half a second.
import type { KubeConfig } from '@kubernetes/client-node';
import { readFileSync, statSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';

export interface Connection {
  server: URL;
  tls: { ca?: Buffer | string; cert?: Buffer | string; key?: Buffer | string; rejectUnauthorized: boolean };
  /** Headers for every request: a bearer token, read again from its file when that rotates. */
  headers(): Record<string, string>;
}

const serviceAccount = '/var/run/secrets/kubernetes.io/serviceaccount';

interface KubeconfigFile {
  'current-context'?: string;
  contexts?: Array<{ name: string; context: { cluster: string; user: string } }>;
  clusters?: Array<{ name: string; cluster: Record<string, unknown> }>;
  users?: Array<{ name: string; user?: Record<string, unknown> }>;
}

const exists = (path: string) => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

/** A token file is read again once a minute: projected service account tokens are rotated by the kubelet. */
function tokenFromFile(path: string): () => string {
  let token = '';
  let readAt = 0;
  return () => {
    if (Date.now() - readAt > 60_000) {
      token = readFileSync(path, 'utf8').trim();
      readAt = Date.now();
    }
    return token;
  };
}

const bearer = (token: () => string) => () => ({ authorization: `Bearer ${token()}` });

function inCluster(env: NodeJS.ProcessEnv): Connection {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  return {
    server: new URL(`https://${host.includes(':') ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT ?? '443'}`),
    tls: { ca: readFileSync(join(serviceAccount, 'ca.crt')), rejectUnauthorized: true },
    headers: bearer(tokenFromFile(join(serviceAccount, 'token'))),
  };
}

const clusterFields = new Set(['server', 'certificate-authority', 'certificate-authority-data', 'insecure-skip-tls-verify']);
const userFields = new Set(['client-certificate', 'client-certificate-data', 'client-key', 'client-key-data', 'token', 'tokenFile']);

/** `<field>-data` inline (base64), else the file `<field>` names, relative to the kubeconfig. */
function material(section: Record<string, unknown>, field: string, directory: string): Buffer | undefined {
  const inline = section[`${field}-data`];
  if (typeof inline === 'string') return Buffer.from(inline, 'base64');
  const path = section[field];
  return typeof path === 'string' ? readFileSync(isAbsolute(path) ? path : join(directory, path)) : undefined;
}

function tokenOf(user: Record<string, unknown>): (() => string) | undefined {
  const { token, tokenFile } = user;
  if (typeof token === 'string') return () => token;
  return typeof tokenFile === 'string' ? tokenFromFile(tokenFile) : undefined;
}

/**
 * The current context of one kubeconfig file, if it uses only what this reader understands. The
 * YAML parser is loaded only here: a pod on its service account never reads YAML.
 */
async function fromKubeconfigFile(path: string): Promise<Connection | undefined> {
  const { parse } = await import('yaml');
  const config = parse(readFileSync(path, 'utf8')) as KubeconfigFile;
  const context = config.contexts?.find((c) => c.name === config['current-context'])?.context;
  const cluster = config.clusters?.find((c) => c.name === context?.cluster)?.cluster ?? {};
  const user = config.users?.find((u) => u.name === context?.user)?.user ?? {};
  if (typeof cluster.server !== 'string') return undefined;
  if (Object.keys(cluster).some((key) => !clusterFields.has(key)) || Object.keys(user).some((key) => !userFields.has(key))) return undefined;
  const directory = dirname(path);
  const [ca, cert, key] = [material(cluster, 'certificate-authority', directory), material(user, 'client-certificate', directory), material(user, 'client-key', directory)];
  const token = tokenOf(user);
  return {
    server: new URL(cluster.server),
    tls: { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true },
    headers: token ? bearer(token) : () => ({}),
  };
}

/** The connection of an already loaded KubeConfig (its credentials as they are now). */
export async function connectionOf(kubeconfig: KubeConfig): Promise<Connection> {
  const cluster = kubeconfig.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const options: RequestOptions = {};
  await kubeconfig.applyToHTTPSOptions(options);
  const headers = Object.fromEntries(Object.entries(options.headers ?? {}).map(([name, value]) => [name, String(value)]));
  // Basic authentication comes back as Node's `auth` option rather than a header.
  if (options.auth) headers.authorization = `Basic ${Buffer.from(options.auth).toString('base64')}`;
  return {
    server: new URL(cluster.server),
    tls: { ca: options.ca as Buffer | undefined, cert: options.cert as Buffer | undefined, key: options.key as Buffer | undefined, rejectUnauthorized: options.rejectUnauthorized ?? true },
    headers: () => headers,
  };
}

/** As kubectl and client-node look for it: $KUBECONFIG, ~/.kube/config, then the pod's service account. */
export async function loadConnection(env: NodeJS.ProcessEnv): Promise<Connection> {
  const files = (env.KUBECONFIG ?? '').split(':').filter(Boolean);
  const candidate = files.length > 0 ? files : [join(env.HOME ?? homedir(), '.kube', 'config')].filter(exists);
  const simple = candidate.length === 1 && candidate[0] ? await fromKubeconfigFile(candidate[0]) : undefined;
  if (simple) return simple;
  if (candidate.length === 0 && env.KUBERNETES_SERVICE_HOST && exists(join(serviceAccount, 'token'))) return inCluster(env);
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kubeconfig = new KubeConfig();
  const [first, ...rest] = candidate;
  if (first === undefined) kubeconfig.loadFromDefault();
  else kubeconfig.loadFromFile(first);
  for (const file of rest) {
    const other = new KubeConfig();
    other.loadFromFile(file);
    kubeconfig.mergeConfig(other);
  }
  return connectionOf(kubeconfig);
}
