// The generated CRDs on a real kube-apiserver: what users apply is accepted, defaulted and listed;
// what is wrong is refused at admission with the offending field named.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { testCluster, type TestCluster } from '../../testing/cluster.ts';
import { installCrds } from '../../testing/crds.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const invalidDir = join(repoRoot, 'api/test/invalid');

// At the top level, so the namespaces it hands out are deleted when the file ends.
const cluster: TestCluster = await testCluster();
before(() => installCrds(cluster));

describe('examples/', () => {
  test('apply cleanly, get defaults filled in, and kubectl get telecom lists all six kinds with printer columns', async () => {
    const ns = await cluster.namespace('examples');
    await cluster.kubectlOk(['apply', '-n', ns, '-f', join(repoRoot, 'examples')]);
    const listing = await cluster.kubectlOk(['get', 'telecom', '-n', ns]);
    for (const kind of ['carrier', 'account', 'inboundtrunk', 'outboundtrunk', 'phonenumber', 'sipdomain']) {
      assert.match(listing, new RegExp(`^${kind}\\.telecom\\.switchyard\\.dev/`, 'm'), `kubectl get telecom lists ${kind}s`);
    }
    const numbers = await cluster.kubectlOk(['get', 'phonenumbers', '-n', ns]);
    assert.match(numbers.split('\n')[0] ?? '', /^NAME\s+NUMBER\s+ACCOUNT\s+ENABLED\s+READY\s+AGE$/);
    assert.match(numbers, /^pn-1294\s+1294\s+phnom-penh-clinic\s+true\s/m);
    assert.match(numbers, /^pn-85523900199\s+\+85523900199\s+false\s/m);
    const trunks = await cluster.kubectlOk(['get', 'otrunk', '-n', ns]);
    assert.match(trunks, /^mekong-pstn\s+mekong-telecom\s+pstn-gw\.mekong-telecom\.example\s+udp\s+\["855"\]\s+10\s+true/m);

    // Structural defaulting: omitted fields come back with the schema's defaults.
    const number = JSON.parse(await cluster.kubectlOk(['get', 'pn', 'pn-1294', '-n', ns, '-o', 'json'])) as { spec: Record<string, unknown> };
    assert.equal(number.spec.enabled, true);
    assert.equal(number.spec.voiceMethod, 'POST');
    const carrier = JSON.parse(await cluster.kubectlOk(['get', 'carrier', 'mekong-telecom', '-n', ns, '-o', 'json'])) as { spec: { sipWorkers: { ports: { http: number } }; webhooks: { signatureHeader: string } } };
    assert.equal(carrier.spec.sipWorkers.ports.http, 8080);
    assert.equal(carrier.spec.webhooks.signatureHeader, 'X-Twilio-Signature');
  });

  test('short names resolve', async () => {
    const ns = await cluster.namespace('shortnames');
    for (const shortName of ['car', 'acct', 'itrunk', 'otrunk', 'pn', 'sipd']) {
      const result = await cluster.kubectl(['get', shortName, '-n', ns]);
      assert.equal(result.code, 0, `kubectl get ${shortName}: ${result.stderr}`);
    }
  });
});

interface InvalidCase {
  file: string;
  documents: string[];
  field: string;
  message: string;
}

async function invalidCases(): Promise<InvalidCase[]> {
  const files = (await readdir(invalidDir)).filter((file) => file.endsWith('.yaml')).sort();
  return Promise.all(
    files.map(async (file) => {
      const text = await readFile(join(invalidDir, file), 'utf8');
      const expectation = (key: string) => {
        const value = new RegExp(`^# ${key}: (.+)$`, 'm').exec(text)?.[1];
        if (!value) throw new Error(`${file} lacks a "# ${key}:" line`);
        return value.trim();
      };
      return { file, documents: parseAllDocuments(text).map((doc) => doc.toString()), field: expectation('expect-field'), message: expectation('expect-message') };
    }),
  );
}

describe('admission refuses invalid manifests, naming the offending field', async () => {
  const cases = await invalidCases();
  test('the corpus covers the required cases', () => {
    const names = cases.map((c) => c.file.replace(/\.yaml$/, ''));
    for (const required of ['bad-e164', 'bad-cidr', 'port-out-of-range', 'unknown-transport', 'missing-carrier-ref', 'changed-immutable-number']) {
      assert.ok(names.includes(required), `api/test/invalid/${required}.yaml exists`);
    }
  });
  for (const invalid of cases) {
    test(invalid.file, async () => {
      const ns = await cluster.namespace('invalid');
      const setup = invalid.documents.slice(0, -1);
      for (const document of setup) await cluster.kubectlOk(['apply', '-n', ns, '-f', '-'], { input: document });
      const result = await cluster.kubectl(['apply', '-n', ns, '-f', '-'], { input: invalid.documents.at(-1) ?? '' });
      assert.notEqual(result.code, 0, `expected the API server to refuse ${invalid.file}, but kubectl said: ${result.stdout}`);
      assert.ok(result.stderr.includes(`${invalid.field}:`), `error names ${invalid.field}: ${result.stderr}`);
      assert.ok(result.stderr.includes(invalid.message), `error says "${invalid.message}": ${result.stderr}`);
      if (setup.length === 0) {
        const listed = await cluster.kubectlOk(['get', 'telecom', '-n', ns, '-o', 'name']);
        assert.equal(listed.trim(), '', 'nothing was created');
      }
    });
  }
});
