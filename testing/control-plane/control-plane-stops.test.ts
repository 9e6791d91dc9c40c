// A stopped control plane leaves no process behind, and stop() returns: when etcd was stopped
// together with kube-apiserver, the apiserver's graceful shutdown waited on the dead etcd forever
// and the test run (and CI) never ended.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startControlPlane } from './control-plane.ts';
import { processAlive as alive } from './processes.ts';

test('stop() ends etcd, kube-apiserver and kube-controller-manager and returns, even after etcd died first', { timeout: 180_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-cp-stop-'));
  try {
    const plane = await startControlPlane({ dir });
    assert.equal(plane.pids.length, 3);
    assert.ok(plane.pids.every(alive), 'all three running');
    // The order that hung: etcd gone while kube-apiserver still runs.
    const [etcd = 0] = plane.pids;
    process.kill(etcd, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const started = performance.now();
    await plane.stop();
    assert.ok(performance.now() - started < 20_000, `stop() returned within a grace period (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    assert.deepEqual(plane.pids.filter(alive), [], 'no process left');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
