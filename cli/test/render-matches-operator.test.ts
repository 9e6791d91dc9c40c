// render against the real operator: examples/ applied to a real API server and reconciled by the
// operator process; what `render examples/` prints must be what the operator wrote.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { testCluster } from '../../testing/cluster.ts';
import { installCrds } from '../../testing/crds.ts';
import { eventually, startOperator } from '../../testing/operator-process.ts';
import { differences } from '../render/object-diff.ts';
import { redacted } from '../render/secret-values.ts';
import { runBin } from './run-cli.ts';

const examples = join(new URL('../..', import.meta.url).pathname, 'examples');
const cluster = await testCluster();
await installCrds(cluster);
startOperator(cluster.kubeconfig, { SWITCHYARD_RESYNC_SECONDS: '2' });
const ns = await cluster.namespace('render');
await cluster.kubectlOk(['apply', '-n', ns, '-f', examples]);
const scratch = await mkdtemp(join(tmpdir(), 'switchyard-render-'));
after(() => rm(scratch, { recursive: true, force: true }));

interface K8sObject {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: unknown[] };
  data?: Record<string, string>;
  status?: { conditions?: Array<{ type: string; status: string }> };
  [field: string]: unknown;
}

const kubectlJson = async (args: string[]) => JSON.parse(await cluster.kubectlOk([...args, '-n', ns, '-o', 'json'])) as { items: K8sObject[] };
const render = (dir: string, ...extra: string[]) => runBin(['render', dir, '--namespace', ns, '--kubeconfig', cluster.kubeconfig, ...extra]);
const documents = (yaml: string) => parseAllDocuments(yaml).map((document) => document.toJS() as K8sObject);

/** Converged: every object Ready, and the operator's last statuses are in (render --diff finds nothing). */
async function converged(): Promise<void> {
  await eventually('every example object Ready', async () => {
    const { items } = await kubectlJson(['get', 'telecom']);
    return items.length === 11 && items.every((o) => o.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True');
  }, 90_000);
  await eventually('render --diff finds no differences', async () => (await render(examples, '--diff')).code === 0, 60_000, 500);
}

describe('render examples/ against the operator', () => {
  test('prints the ConfigMaps the operator wrote, exactly', async () => {
    await converged();
    const result = await render(examples);
    assert.equal(result.code, 0, result.stderr);
    const rendered = documents(result.stdout).filter((o) => o.kind === 'ConfigMap');
    const live = (await kubectlJson(['get', 'configmaps', '-l', 'app.kubernetes.io/managed-by=switchyard'])).items;
    assert.deepEqual(rendered.map((o) => o.metadata.name).sort(), live.map((o) => o.metadata.name).sort());
    assert.ok(rendered.length >= 2, 'a manifest and at least one shard');
    for (const configMap of rendered) {
      const written = live.find((o) => o.metadata.name === configMap.metadata.name);
      assert.deepEqual(written?.data, configMap.data, `${configMap.metadata.name} data`);
      assert.deepEqual(written?.binaryData, configMap.binaryData, `${configMap.metadata.name} binaryData (a shard's gzip'd JSON)`);
      assert.deepEqual(written?.metadata.labels, configMap.metadata.labels, `${configMap.metadata.name} labels`);
      assert.deepEqual(written?.metadata.annotations, configMap.metadata.annotations, `${configMap.metadata.name} annotations (the applied hash)`);
      assert.deepEqual(written?.metadata.ownerReferences, configMap.metadata.ownerReferences, `${configMap.metadata.name} owner`);
    }
  });

  test('prints the other objects as the operator wrote them, on the fields it manages', async () => {
    const rendered = documents((await render(examples)).stdout).filter((o) => !('status' in o) && o.kind !== 'ConfigMap');
    assert.deepEqual([...new Set(rendered.map((o) => o.kind))].sort(), ['Deployment', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Secret', 'Service', 'ServiceAccount']);
    for (const object of rendered) {
      const { items } = await kubectlJson(['get', object.kind.toLowerCase(), `--field-selector=metadata.name=${object.metadata.name}`]);
      const written = items[0];
      assert.ok(written, `${object.kind} ${object.metadata.name} exists`);
      if (object.kind === 'Secret') {
        // Render shows Secret values redacted; the redaction of what the operator wrote must be the same.
        assert.deepEqual(Object.fromEntries(Object.entries(written.data ?? {}).map(([key, value]) => [key, redacted(value)])), object.data, `${object.metadata.name} data`);
      }
      const { data: _data, ...managed } = object;
      assert.deepEqual(differences(written, managed, 'subset'), [], `${object.kind} ${object.metadata.name} differs from what the operator wrote`);
    }
  });

  test('prints the statuses the operator set on every object', async () => {
    const statuses = documents((await render(examples)).stdout).filter((o) => 'status' in o);
    const { items } = await kubectlJson(['get', 'telecom']);
    assert.equal(statuses.length, items.length);
    for (const object of statuses) {
      const written = items.find((o) => o.kind === object.kind && o.metadata.name === object.metadata.name);
      assert.deepEqual(written?.status, object.status, `${object.kind} ${object.metadata.name} status`);
    }
  });

  test('--diff exits 0 on the converged cluster and says so', async () => {
    const result = await render(examples, '--diff');
    assert.equal(result.code, 0, result.stdout);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /no differences/);
  });

  test('--diff shows, field by field, what a change in DIR would make the operator write, and exits 1', async () => {
    const changed = join(scratch, 'changed');
    await cp(examples, changed, { recursive: true });
    const numbers = join(changed, '05-phone-numbers.yaml');
    await writeFile(numbers, (await readFile(numbers, 'utf8')).replace('  accountRef: { name: phnom-penh-clinic }\n---', '  accountRef: { name: phnom-penh-clinic }\n  voiceURL: https://clinic.example/new-ivr\n---'));
    const result = await render(changed, '--diff');
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /^~ ConfigMap .*\/mekong-telecom-routing-\d+$/m);
    assert.match(result.stdout, /binaryData\["shard\.json\.gz"\]\.numbers\["\+85523900100"\]\.voice: \+ \{"url":"https:\/\/clinic\.example\/new-ivr","method":"POST"\}/);
    assert.match(result.stdout, /^~ ConfigMap .*\/mekong-telecom-routing$/m);
    assert.match(result.stdout, /^~ PhoneNumber .*\/pn-85523900100\n(?: {4}.*\n)* {4}status\.webhook\.url: "https:\/\/ivr\.mekong-telecom\.example\/clinic\/voice" → "https:\/\/clinic\.example\/new-ivr"/m);
    assert.match(result.stdout, /status\.observedGeneration: 1 → 2/);
    assert.doesNotMatch(result.stdout, /^~ Account/m, 'accounts are unchanged');
  });
});
