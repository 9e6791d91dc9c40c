// render without a cluster: the same DIR renders the same bytes, Secret values never show, and
// creation order is DIR order (the later of two conflicting objects loses).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { parseAllDocuments } from 'yaml';
import { runBin, runInProcess } from './run-cli.ts';

const examples = join(new URL('../..', import.meta.url).pathname, 'examples');
const scratch = await mkdtemp(join(tmpdir(), 'switchyard-render-offline-'));
after(() => rm(scratch, { recursive: true, force: true }));

async function manifestDir(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(scratch, name);
  await mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
  return dir;
}

interface Rendered {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  status?: { conditions?: Array<{ type: string; status: string; reason: string; message: string }> };
}
const documents = (yaml: string) => parseAllDocuments(yaml).map((document) => document.toJS() as Rendered);

describe('render offline', () => {
  test('renders examples/ to the same bytes every time, with routing, workloads and a status per object', async () => {
    const first = await runBin(['render', examples, '--now', '2026-01-01T00:00:00Z']);
    const second = await runBin(['render', examples, '--now', '2026-01-01T00:00:00Z']);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stderr, '');
    assert.equal(first.stdout, second.stdout);
    const objects = documents(first.stdout);
    const names = (kind: string) => objects.filter((o) => o.kind === kind && !o.status).map((o) => o.metadata.name).sort();
    assert.deepEqual(names('ConfigMap'), ['mekong-telecom-routing', 'mekong-telecom-routing-0']);
    assert.deepEqual(names('Secret'), ['kampot-pepper-auth-token', 'mekong-telecom-worker-secrets', 'phnom-penh-clinic-auth-token']);
    assert.deepEqual(names('Deployment'), ['mekong-telecom-media-relay', 'mekong-telecom-sip-worker']);
    const statuses = objects.filter((o) => o.status);
    assert.equal(statuses.length, 11, 'one per Switchyard object in examples/');
    for (const object of statuses) {
      const ready = object.status?.conditions?.find((c) => c.type === 'Ready');
      assert.equal(ready?.status, 'True', `${object.kind} ${object.metadata.name} Ready`);
    }
  });

  test('a shard is printed gzip\'d, as the operator applies it, with its JSON unzipped in the comment above it', async () => {
    const { stdout, code } = await runBin(['render', examples]);
    assert.equal(code, 0);
    const shardDocument = stdout.split(/^---$/m).find((text) => text.includes('name: mekong-telecom-routing-0'));
    assert.ok(shardDocument, 'the shard is rendered');
    const comment = /^# binaryData\["shard\.json\.gz"\] unzipped:\n# (.*)$/m.exec(shardDocument)?.[1];
    assert.ok(comment, 'the unzipped JSON is in the comment');
    const [rendered] = documents(`---${shardDocument}`) as Array<Rendered & { binaryData?: Record<string, string> }>;
    assert.equal(comment, gunzipSync(Buffer.from(rendered?.binaryData?.['shard.json.gz'] ?? '', 'base64')).toString('utf8'));
    assert.ok(comment.includes('"+85512345678":'), 'a number of examples/ can be searched for');
  });

  test('never prints a Secret value: passwords, HA1 material and the generated auth tokens are redacted', async () => {
    const { stdout } = await runBin(['render', examples]);
    for (const password of ['change-me-in-production', 's3cret-agent-101', 's3cret-agent-102']) assert.ok(!stdout.includes(password), `${password} not printed`);
    // Offline auth tokens come from a fixed stream: sha256("switchyard render/<n>"), 16 bytes each.
    const tokens = [0, 1].map((n) => createHash('sha256').update(`switchyard render/${n}`).digest().subarray(0, 16).toString('hex'));
    for (const token of tokens) {
      assert.ok(!stdout.includes(token), 'token not printed');
      assert.ok(!stdout.includes(Buffer.from(token).toString('base64')), 'token not printed in base64');
    }
    for (const secret of documents(stdout).filter((o) => o.kind === 'Secret')) {
      for (const value of Object.values(secret.data ?? {})) assert.match(value, /^<redacted: \d+ bytes, sha256 [0-9a-f]{12}>$/);
    }
  });

  test('of two overlapping InboundTrunks, the one later in DIR is in Conflict and says with which', async () => {
    const carrier = (name: string) => `apiVersion: telecom.switchyard.dev/v1alpha1\nkind: Carrier\nmetadata: {name: ${name}}\nspec: {displayName: ${name}, country: KH}\n`;
    const trunk = (name: string, carrierName: string, source: string) => `apiVersion: telecom.switchyard.dev/v1alpha1\nkind: InboundTrunk\nmetadata: {name: ${name}}\nspec: {carrierRef: {name: ${carrierName}}, sourceIPs: ["${source}"]}\n`;
    const dir = await manifestDir('overlap', {
      'a.yaml': `${carrier('angkor')}---\n${trunk('angkor-sbc', 'angkor', '203.0.113.0/24')}`,
      'b.yaml': `${carrier('mekong')}---\n${trunk('mekong-sbc', 'mekong', '203.0.113.10')}`,
    });
    const result = await runInProcess(['render', dir, '-n', 'telco']);
    assert.equal(result.code, 0, result.stderr);
    const statuses = documents(result.stdout).filter((o) => o.kind === 'InboundTrunk' && o.status);
    const conflict = (name: string) => statuses.find((o) => o.metadata.name === name)?.status?.conditions?.find((c) => c.type === 'Conflict');
    assert.equal(conflict('angkor-sbc'), undefined);
    assert.equal(conflict('mekong-sbc')?.reason, 'OverlappingSourceIPs');
    assert.match(conflict('mekong-sbc')?.message ?? '', /overlaps 203\.0\.113\.0\/24 of InboundTrunk telco\/angkor-sbc/);
  });

  test('says which file and line is wrong, and exits 2', async () => {
    const broken = await manifestDir('broken', { '01.yaml': 'apiVersion: v1\nkind: Secret\nmetadata: {name: a}\n---\nkind: [unclosed\n' });
    const twice = await manifestDir('twice', { '01.yaml': 'apiVersion: v1\nkind: Secret\nmetadata: {name: a}\n', '02.yaml': 'apiVersion: v1\nkind: Secret\nmetadata: {name: a}\n' });
    const nameless = await manifestDir('nameless', { '01.yaml': 'apiVersion: v1\nkind: Secret\nmetadata: {}\n' });
    for (const [args, message] of [
      [['render', join(scratch, 'absent')], /cannot read directory .*absent/],
      [['render', broken], /broken\/01\.yaml:6: Flow sequence .* end with a \]$/m],
      [['render', twice], /twice\/02\.yaml:1: Secret default\/a is already defined at .*twice\/01\.yaml:1/],
      [['render', nameless], /nameless\/01\.yaml:1: Secret has no metadata\.name/],
      [['render', examples, '--now', 'yesterday'], /--now "yesterday" is not a time/],
      [['render'], /DIR is required/],
    ] as const) {
      const result = await runInProcess([...args]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
    }
  });

  test('warns about objects the operator does not read, and still renders', async () => {
    const dir = await manifestDir('extra', { 'a.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n' });
    const result = await runInProcess(['render', dir]);
    assert.equal(result.code, 0);
    assert.match(result.stderr, /warning: .*a\.yaml:1: apps\/v1 Deployment web ignored: the operator does not read it/);
  });
});
