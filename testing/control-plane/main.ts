// `make control-plane` / `make control-plane-down`: a control plane for a person or a script,
// left running in the background with its kubeconfig at .switchyard/kubeconfig.
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startControlPlane } from './control-plane.ts';
import { processAlive as alive } from './processes.ts';

const stateDir = join(new URL('../..', import.meta.url).pathname, '.switchyard');
const runDir = join(stateDir, 'control-plane');
const pidFile = join(runDir, 'pids');
const kubeconfig = join(stateDir, 'kubeconfig');

/** SIGTERM, then SIGKILL if the process is still there after `graceMs`; these are not our children, so we poll. */
async function terminatePid(pid: number, graceMs: number): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

async function down() {
  const pids = await readFile(pidFile, 'utf8').catch(() => '');
  // Newest first, each gone before the next, as ControlPlane.stop does: kube-apiserver's shutdown
  // waits on etcd, and with etcd killed first it never ended.
  for (const pid of pids.split('\n').filter(Boolean).map(Number).reverse()) await terminatePid(pid, 10_000);
  await rm(runDir, { recursive: true, force: true });
  await rm(kubeconfig, { force: true });
}

const command = process.argv[2];
if (command === 'up') {
  await down();
  const plane = await startControlPlane({ dir: runDir, detached: true });
  await writeFile(pidFile, plane.pids.join('\n') + '\n');
  await copyFile(plane.kubeconfig, kubeconfig);
  console.log(`control plane up at ${plane.server}\nexport KUBECONFIG=${kubeconfig}\nlogs: ${runDir}/*.log; stop it with make control-plane-down`);
} else if (command === 'down') {
  await down();
  console.log('control plane stopped');
} else {
  console.error('usage: main.ts up|down');
  process.exit(2);
}
