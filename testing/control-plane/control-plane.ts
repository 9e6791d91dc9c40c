// A real control plane on 127.0.0.1: etcd, kube-apiserver (client-certificate authentication,
// RBAC authorization) and kube-controller-manager running the garbage collector and namespace
// controller, so owner references and namespace deletion behave as in a cluster.
import { execFile, type ChildProcess } from 'node:child_process';
import { readFile, mkdir } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createPki } from './certificates.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { freePort, startProcess, waitFor } from './processes.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;

export interface ControlPlane {
  kubeconfig: string;
  server: string;
  dir: string;
  pids: number[];
  stop(): Promise<void>;
}

/** Builds the binaries on first use (cached outside git) and returns their directory. */
export async function controlPlaneBinaries(): Promise<string> {
  const { stdout } = await promisify(execFile)(join(repoRoot, 'hack/control-plane/build.sh'), [], { maxBuffer: 1 << 20 });
  return stdout.trim();
}

function httpsOk(url: string, tls: { ca: Buffer; cert: Buffer; key: Buffer }): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpsRequest(url, { ...tls, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

const httpOk = (url: string) => fetch(url, { signal: AbortSignal.timeout(2000) }).then((res) => res.ok);

async function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function exitWatcher(child: ChildProcess) {
  let exit: string | undefined;
  child.once('exit', (code, signal) => (exit = `code ${code} signal ${signal}`));
  return () => exit;
}

export async function startControlPlane(options: { dir: string; detached?: boolean }): Promise<ControlPlane> {
  const { dir } = options;
  const detached = options.detached ?? false;
  await mkdir(join(dir, 'etcd'), { recursive: true });
  const [bin, pki] = await Promise.all([controlPlaneBinaries(), createPki(dir)]);
  const [etcdPort, etcdPeerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const children: ChildProcess[] = [];
  // Newest first, each gone before the next is signalled: kube-apiserver's graceful shutdown waits
  // on etcd, and with etcd already dead it never ended, so the test run never exited. A child that
  // outlives its grace period is killed.
  const stop = async () => {
    for (const child of [...children].reverse()) await terminate(child, 10_000);
  };
  try {
    const etcd = startProcess(join(bin, 'etcd'), [
      '--data-dir', join(dir, 'etcd'),
      '--listen-client-urls', `http://127.0.0.1:${etcdPort}`,
      '--advertise-client-urls', `http://127.0.0.1:${etcdPort}`,
      '--listen-peer-urls', `http://127.0.0.1:${etcdPeerPort}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeerPort}`,
      '--initial-cluster', `default=http://127.0.0.1:${etcdPeerPort}`,
      // Tests and benchmarks churn through objects; durability across power loss is not a goal here.
      '--unsafe-no-fsync',
      '--quota-backend-bytes', String(4 * 1024 ** 3),
      '--log-level', 'warn',
    ], join(dir, 'etcd.log'), detached);
    children.push(etcd);
    await waitFor('etcd', () => httpOk(`http://127.0.0.1:${etcdPort}/health`), 30_000, exitWatcher(etcd));

    const server = `https://127.0.0.1:${apiPort}`;
    const apiserver = startProcess(join(bin, 'kube-apiserver'), [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${join(dir, 'apiserver-certs')}`,
      `--tls-cert-file=${pki.servingCert}`,
      `--tls-private-key-file=${pki.servingKey}`,
      `--client-ca-file=${pki.caCert}`,
      '--authorization-mode=RBAC',
      `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
      `--service-account-key-file=${pki.serviceAccountPublicKey}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--allow-privileged=true',
      // Benchmarks create 100,000 objects; the defaults (400/200) would throttle the client, not us.
      '--max-requests-inflight=2000',
      '--max-mutating-requests-inflight=1000',
      '--profiling=false',
      '--v=1',
    ], join(dir, 'kube-apiserver.log'), detached);
    children.push(apiserver);
    const tls = { ca: await readFile(pki.caCert), cert: await readFile(pki.clients.admin.cert), key: await readFile(pki.clients.admin.key) };
    await waitFor('kube-apiserver', () => httpsOk(`${server}/readyz`, tls), 90_000, exitWatcher(apiserver));

    const kubeconfig = join(dir, 'kubeconfig');
    const controllerManagerKubeconfig = join(dir, 'controller-manager.kubeconfig');
    await writeKubeconfig(kubeconfig, server, pki.caCert, pki.clients.admin, 'switchyard-admin');
    await writeKubeconfig(controllerManagerKubeconfig, server, pki.caCert, pki.clients.controllerManager, 'system:kube-controller-manager');
    const controllerManager = startProcess(join(bin, 'kube-controller-manager'), [
      `--kubeconfig=${controllerManagerKubeconfig}`,
      `--authentication-kubeconfig=${controllerManagerKubeconfig}`,
      `--authorization-kubeconfig=${controllerManagerKubeconfig}`,
      '--controllers=garbage-collector-controller,namespace-controller,serviceaccount-controller',
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      `--secure-port=${await freePort()}`,
      `--cert-dir=${join(dir, 'controller-manager-certs')}`,
      `--root-ca-file=${pki.caCert}`,
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      '--use-service-account-credentials=false',
      '--v=1',
    ], join(dir, 'kube-controller-manager.log'), detached);
    children.push(controllerManager);
    return { kubeconfig, server, dir, pids: children.map((child) => child.pid ?? 0), stop };
  } catch (error) {
    await stop();
    throw new Error(`control plane failed to start; logs are in ${dir}: ${(error as Error).message}`, { cause: error });
  }
}
