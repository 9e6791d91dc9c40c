// import-numbers --apply against a real API server with the CRDs: server-side apply under the
// CLI's field manager, idempotent re-runs, per-row refusals reported with their line.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { testCluster } from '../../testing/cluster.ts';
import { installCrds } from '../../testing/crds.ts';
import { runBin, runInProcess } from './run-cli.ts';

const cluster = await testCluster();
await installCrds(cluster);
const ns = await cluster.namespace('import');
const dir = await mkdtemp(join(tmpdir(), 'switchyard-import-apply-'));
after(() => rm(dir, { recursive: true, force: true }));

interface PhoneNumber {
  metadata: { name: string; managedFields?: Array<{ manager: string; operation: string }> };
  spec: { number: string; type: string; enabled: boolean; carrierRef: { name: string }; accountRef?: { name: string } };
}
const phoneNumbers = async () => (JSON.parse(await cluster.kubectlOk(['get', 'phonenumbers', '-n', ns, '-o', 'json', '--show-managed-fields'])) as { items: PhoneNumber[] }).items;
const target = ['--carrier', 'mekong-telecom', '--account', 'kampot-pepper', '--namespace', ns, '--kubeconfig', cluster.kubeconfig];

describe('import-numbers --apply', () => {
  test('applies every row with field manager switchyard-cli, and a second run changes nothing', async () => {
    const rows = 2000;
    const file = join(dir, 'numbers.csv');
    await writeFile(file, `Number,Enabled\n1234,false\n${Array.from({ length: rows - 1 }, (_, i) => `${855_30_000_000 + i},${i % 2 === 0}`).join('\n')}\n`);
    const started = performance.now();
    const result = await runBin(['import-numbers', file, ...target, '--apply']);
    const seconds = (performance.now() - started) / 1000;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, new RegExp(`^applied ${rows} of ${rows} PhoneNumbers to namespace ${ns} in [\\d.]+ s \\(field manager switchyard-cli\\)$`, 'm'));
    console.log(`applied ${rows} PhoneNumbers in ${seconds.toFixed(1)} s through the bin (${Math.round(rows / seconds)}/s)`);

    const items = await phoneNumbers();
    assert.equal(items.length, rows);
    const shortCode = items.find((item) => item.metadata.name === 'pn-1234');
    assert.deepEqual(shortCode?.spec, { carrierRef: { name: 'mekong-telecom' }, number: '1234', type: 'shortCode', accountRef: { name: 'kampot-pepper' }, enabled: false, voiceMethod: 'POST', voiceFallbackMethod: 'POST', statusCallbackMethod: 'POST' });
    const e164 = items.find((item) => item.metadata.name === 'pn-85530000001');
    assert.equal(e164?.spec.number, '+85530000001');
    assert.equal(e164?.spec.type, 'local', 'the API server defaults the type');
    assert.equal(e164?.spec.enabled, false);
    for (const item of items) assert.ok(item.metadata.managedFields?.some((field) => field.manager === 'switchyard-cli' && field.operation === 'Apply'), `${item.metadata.name} applied by switchyard-cli`);

    const versions = async () => (await cluster.kubectlOk(['get', 'phonenumbers', '-n', ns, '-o', 'jsonpath={.items[*].metadata.resourceVersion}'])).split(' ').sort().join(' ');
    const before = await versions();
    const again = await runBin(['import-numbers', file, ...target, '--apply']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await versions(), before, 'an unchanged apply writes nothing');
  });

  test('a row whose fields another manager owns fails with its line (409) unless --force-conflicts; the rest are applied', async () => {
    await cluster.kubectlOk(['apply', '--server-side', '--field-manager=noc-team', '-n', ns, '-f', '-'], {
      input: 'apiVersion: telecom.switchyard.dev/v1alpha1\nkind: PhoneNumber\nmetadata: {name: pn-85540000000}\nspec: {carrierRef: {name: mekong-telecom}, number: "+85540000000", accountRef: {name: kampot-pepper}, enabled: true}\n',
    });
    const file = join(dir, 'owned.csv');
    await writeFile(file, 'Number,Enabled\n85540000001,true\n85540000000,false\n85540000002,true\n');
    const refused = await runInProcess(['import-numbers', file, ...target, '--apply']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`^${file}:3: apply refused \\(409\\): .*conflict.*noc-team`, 'mi'));
    assert.match(refused.stderr, /^applied 2 of 3 PhoneNumbers/m);
    assert.equal((await phoneNumbers()).find((item) => item.metadata.name === 'pn-85540000000')?.spec.enabled, true);

    const forced = await runInProcess(['import-numbers', file, ...target, '--apply', '--force-conflicts']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal((await phoneNumbers()).find((item) => item.metadata.name === 'pn-85540000000')?.spec.enabled, false);
  });

  test('a row admission refuses (422: the number of an existing object is immutable) is reported with its line', async () => {
    await cluster.kubectlOk(['apply', '-n', ns, '-f', '-'], {
      input: 'apiVersion: telecom.switchyard.dev/v1alpha1\nkind: PhoneNumber\nmetadata: {name: pn-85550000000}\nspec: {carrierRef: {name: other-carrier}, number: "+85550000000"}\n',
    });
    const file = join(dir, 'immutable.csv');
    await writeFile(file, 'Number\n85550000000\n');
    const result = await runInProcess(['import-numbers', file, ...target, '--apply', '--force-conflicts']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`^${file}:2: apply refused \\(422\\): .*carrierRef is immutable`, 'm'));
  });

  test('draws applied progress on a terminal', async () => {
    const file = join(dir, 'progress.csv');
    await writeFile(file, `Number\n${Array.from({ length: 300 }, (_, i) => 855_60_000_000 + i).join('\n')}\n`);
    const result = await runInProcess(['import-numbers', file, ...target, '--apply'], { stderrIsTTY: true });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /\rapplied \[#{24}\] 300\/300 [\d,]+\/s ETA 0s/);
  });

  test('without --account the numbers are applied unassigned, and a re-import without it unassigns what an import assigned', async () => {
    const file = join(dir, 'unassigned.csv');
    await writeFile(file, 'Number\n85580000000\n85580000001\n');
    const withoutAccount = target.filter((arg, i) => arg !== '--account' && target[i - 1] !== '--account');
    const assigned = await runInProcess(['import-numbers', file, ...target, '--apply']);
    assert.equal(assigned.code, 0, assigned.stderr);
    const accounts = async () => (await phoneNumbers()).filter((item) => item.metadata.name.startsWith('pn-8558')).map((item) => item.spec.accountRef?.name ?? 'unassigned');
    assert.deepEqual(await accounts(), ['kampot-pepper', 'kampot-pepper']);
    const unassigned = await runInProcess(['import-numbers', file, ...withoutAccount, '--apply']);
    assert.equal(unassigned.code, 0, unassigned.stderr);
    assert.deepEqual(await accounts(), ['unassigned', 'unassigned']);
  });

  test('a missing namespace stops before any row is sent, exit 2', async () => {
    const file = join(dir, 'one.csv');
    await writeFile(file, 'Number\n85570000000\n');
    const result = await runInProcess(['import-numbers', file, '--carrier', 'c', '--account', 'a', '--namespace', 'no-such-namespace', '--kubeconfig', cluster.kubeconfig, '--apply']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /namespace no-such-namespace does not exist/);
  });
});
