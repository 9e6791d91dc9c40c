// zero-config-link --key-secret: the brand's key and IV read from a Secret on a real API server.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testCluster } from '../../testing/cluster.ts';
import { encryptZeroConfig } from '../../sip-workers/src/zero-config/link-cipher.ts';
import { runBin } from './run-cli.ts';

const cluster = await testCluster();
const ns = await cluster.namespace('zero-config');
const key = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const iv = Buffer.from('0f0e0d0c0b0a09080706050403020100', 'hex');
// One entry as 16 raw bytes, the other as 32 hex digits: both forms are accepted.
await cluster.kubectlOk(['apply', '-n', ns, '-f', '-'], {
  input: `apiVersion: v1\nkind: Secret\nmetadata: {name: sipphone-brand}\ndata: {key: ${key.toString('base64')}, iv: ${Buffer.from(iv.toString('hex')).toString('base64')}}\n`,
});

describe('zero-config-link --key-secret', () => {
  test('encrypts with the key and IV of the Secret', async () => {
    const result = await runBin(['zero-config-link', '--username', 'testuser', '--server', 'example.org', '--password', 'testpass', '--key-secret', `${ns}/sipphone-brand`, '--kubeconfig', cluster.kubeconfig]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `sipphone://${encryptZeroConfig('username=testuser&server=example.org&password=testpass', { key, iv })}\n`);
  });

  test('a missing Secret is an error that names it', async () => {
    const result = await runBin(['zero-config-link', '--username', 'u', '--server', 's', '--password', 'p', '--key-secret', `${ns}/absent`, '--kubeconfig', cluster.kubeconfig]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, new RegExp(`Secret ${ns}/absent does not exist`));
  });
});
