// What a test gets to reach the Kubernetes API: the suite's shared control plane (started by the
// global setup), a user's cluster through SWITCHYARD_TEST_KUBECONFIG, or, when a test file is run
// on its own, a private control plane for that file. Every test works in namespaces it creates.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { startControlPlane } from './control-plane/control-plane.ts';

const repoRoot = new URL('..', import.meta.url).pathname;
export const kubectlBinary = process.env.SWITCHYARD_KUBECTL ?? join(repoRoot, '.switchyard/bin/kubectl');

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestCluster {
  kubeconfig: string;
  kubectl(args: string[], options?: { input?: string }): Promise<KubectlResult>;
  /** kubectl that throws with its stderr on a non-zero exit. */
  kubectlOk(args: string[], options?: { input?: string }): Promise<string>;
  /** A fresh namespace, deleted when the test file ends. */
  namespace(prefix: string): Promise<string>;
}

let shared: Promise<string> | undefined;

async function privateControlPlane(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-cp-'));
  const plane = await startControlPlane({ dir });
  after(async () => {
    await plane.stop();
    await rm(dir, { recursive: true, force: true });
  });
  return plane.kubeconfig;
}

export async function testCluster(): Promise<TestCluster> {
  shared ??= process.env.SWITCHYARD_TEST_KUBECONFIG ? Promise.resolve(process.env.SWITCHYARD_TEST_KUBECONFIG) : privateControlPlane();
  const kubeconfig = await shared;
  const kubectl = (args: string[], options: { input?: string } = {}) =>
    new Promise<KubectlResult>((resolve) => {
      const child = execFile(kubectlBinary, ['--kubeconfig', kubeconfig, ...args], { maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      });
      // kubectl that exits before reading its input (a bad flag, a refused connection) closes the
      // pipe under us; that EPIPE is not the result, the exit code and stderr are.
      child.stdin?.on('error', () => {});
      child.stdin?.end(options.input ?? '');
    });
  const kubectlOk = async (args: string[], options?: { input?: string }) => {
    const result = await kubectl(args, options);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
    return result.stdout;
  };
  const namespaces: string[] = [];
  after(async () => {
    // Waits, so the next test file starts on a cluster without this file's objects (conflicts are
    // detected across namespaces, so leftovers would change what the next file observes).
    if (namespaces.length > 0) await kubectl(['delete', 'namespace', '--wait=true', '--timeout=120s', ...namespaces]);
  });
  return {
    kubeconfig,
    kubectl,
    kubectlOk,
    async namespace(prefix: string) {
      const name = `${prefix}-${randomBytes(3).toString('hex')}`;
      await kubectlOk(['create', 'namespace', name]);
      namespaces.push(name);
      return name;
    },
  };
}
