// `make control-plane` / `make control-plane-down`: a control plane for a person or a script,
// left running in the background with its kubeconfig at .switchyard/kubeconfig.
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startControlPlane } from './control-plane.ts';

const stateDir = join(new URL('../..', import.meta.url).pathname, '.switchyard');
const runDir = join(stateDir, 'control-plane');
const pidFile = join(runDir, 'pids');
const kubeconfig = join(stateDir, 'kubeconfig');

async function down() {
  const pids = await readFile(pidFile, 'utf8').catch(() => '');
  for (const pid of pids.split('\n').filter(Boolean).map(Number).reverse()) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
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
