// Worker and push service pods reach the API through api/kube's client. @kubernetes/client-node
// (36 MB of a worker's RSS at start, half a second before it answers) is imported at run time only by the connection reader's
// fallback for kubeconfigs it does not understand (exec plugins, auth providers), which a pod's
// service account never needs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { moduleGraph } from '../../../images/test/module-graph.ts';

const repoRoot = new URL('../../..', import.meta.url).pathname;
const clientNode = /(?:^|[\s;])(?:import|export)\s+(?!type\s)(?:[^'";]*?\s+from\s+)?['"]@kubernetes\/client-node['"]|\bimport\(\s*['"]@kubernetes\/client-node['"]\s*\)/gm;

for (const entry of ['sip-workers/src/main.ts', 'sip-workers/src/push/main.ts']) {
  test(`${entry} loads @kubernetes/client-node only through the kubeconfig fallback`, () => {
    const importers = [...moduleGraph(repoRoot, entry).files].flatMap((file) => {
      const imports = [...readFileSync(`${repoRoot}${file}`, 'utf8').matchAll(clientNode)].map((match) => match[0].trim());
      return imports.map((statement) => `${file}: ${statement}`);
    });
    assert.deepEqual(importers, ["api/kube/connection.ts: import('@kubernetes/client-node')"]);
  });
}
