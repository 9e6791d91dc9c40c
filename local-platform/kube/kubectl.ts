// kubectl against the run's own control plane: the pinned binary `make deps` unpacks.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface Kubectl {
  ok(args: string[], input?: string): Promise<string>;
  json<T>(args: string[]): Promise<T>;
}

/** Unpacks kubectl if needed (scripts/ensure-kube-tools.sh is idempotent) and returns its path. */
export async function kubectlBinary(repoRoot: string): Promise<string> {
  if (process.env.SWITCHYARD_KUBECTL) return process.env.SWITCHYARD_KUBECTL;
  const { stdout } = await promisify(execFile)(join(repoRoot, 'scripts/ensure-kube-tools.sh'));
  return join(stdout.trim(), 'kubectl');
}

export function kubectl(binary: string, kubeconfig: string): Kubectl {
  const ok = (args: string[], input?: string) =>
    new Promise<string>((resolve, reject) => {
      const child = execFile(binary, ['--kubeconfig', kubeconfig, ...args], { maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`kubectl ${args.join(' ')}: ${stderr.trim() || error.message}`));
        else resolve(stdout);
      });
      child.stdin?.end(input ?? '');
    });
  return { ok, json: async <T>(args: string[]) => JSON.parse(await ok([...args, '-o', 'json'])) as T };
}
