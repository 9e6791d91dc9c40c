// node --test --test-global-setup: one control plane for the whole suite, so each test file does
// not pay ~15 s to start its own. A cluster named by SWITCHYARD_TEST_KUBECONFIG is used instead.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from './control-plane/control-plane.ts';

let plane: ControlPlane | undefined;

export async function globalSetup() {
  if (process.env.SWITCHYARD_TEST_KUBECONFIG) return;
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-cp-'));
  plane = await startControlPlane({ dir });
  process.env.SWITCHYARD_TEST_KUBECONFIG = plane.kubeconfig;
}

export async function globalTeardown() {
  if (!plane) return;
  await plane.stop();
  await rm(plane.dir, { recursive: true, force: true });
}
