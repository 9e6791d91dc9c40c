// What a SIP worker or push service pod loads before it runs: packages that only some pods need
// are imported when needed. @kubernetes/client-node (34-37 MB of a worker's RSS at start, half a
// second before /livez) only for kubeconfigs api/kube cannot read (exec plugins, auth providers);
// yaml only to read a kubeconfig file, never on a service account; @redis/client (12-14 MB, 0.1-0.2 s)
// only with a registrar (SWITCHYARD_REDIS_URL).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { moduleGraph } from '../../../images/test/module-graph.ts';

const repoRoot = new URL('../../..', import.meta.url).pathname;
const loadedWhenNeeded = ['@kubernetes/client-node', 'yaml', '@redis/client'];

for (const entry of ['sip-workers/src/main.ts', 'sip-workers/src/push/main.ts']) {
  test(`${entry} loads ${loadedWhenNeeded.join(', ')} only when needed`, () => {
    const atStart = moduleGraph(repoRoot, entry, 'static').packages;
    assert.deepEqual(loadedWhenNeeded.filter((name) => atStart.has(name)), []);
    // Still in the image: the whole graph, import() included, reaches them.
    if (entry === 'sip-workers/src/main.ts') {
      const ever = moduleGraph(repoRoot, entry).packages;
      assert.deepEqual(loadedWhenNeeded.filter((name) => !ever.has(name)), []);
    }
  });
}
