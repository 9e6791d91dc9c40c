// Reading kubeconfigs without @kubernetes/client-node, and falling back to it for what this
// reader does not understand.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConnection } from '../kube/connection.ts';

const dir = await mkdtemp(join(tmpdir(), 'switchyard-connection-'));
const kubeconfig = (cluster: string, user: string) => `apiVersion: v1
kind: Config
current-context: here
contexts: [{name: elsewhere, context: {cluster: other, user: other}}, {name: here, context: {cluster: c, user: u, namespace: telco}}]
clusters: [{name: other, cluster: {server: "https://other.example"}}, {name: c, cluster: {server: "https://127.0.0.1:6443", ${cluster}}}]
users: [{name: other, user: {token: nope}}, {name: u, user: {${user}}}]
`;

test('client certificates inline and a CA file, from the current context', async () => {
  await writeFile(join(dir, 'ca.crt'), 'CA PEM');
  const path = join(dir, 'certs.yaml');
  await writeFile(path, kubeconfig('certificate-authority: ca.crt', `client-certificate-data: ${Buffer.from('CERT').toString('base64')}, client-key-data: ${Buffer.from('KEY').toString('base64')}`));
  const connection = await loadConnection({ KUBECONFIG: path });
  assert.equal(connection.server.href, 'https://127.0.0.1:6443/');
  assert.equal(String(connection.tls.ca), 'CA PEM');
  assert.equal(String(connection.tls.cert), 'CERT');
  assert.equal(String(connection.tls.key), 'KEY');
  assert.equal(connection.tls.rejectUnauthorized, true);
  assert.deepEqual(connection.headers(), {});
});

test('a token file, and insecure-skip-tls-verify', async () => {
  await writeFile(join(dir, 'token'), 'sekret\n');
  const path = join(dir, 'token.yaml');
  await writeFile(path, kubeconfig('insecure-skip-tls-verify: true', `tokenFile: ${join(dir, 'token')}`));
  const connection = await loadConnection({ KUBECONFIG: path });
  assert.equal(connection.tls.rejectUnauthorized, false);
  assert.deepEqual(connection.headers(), { authorization: 'Bearer sekret' });
});

test('anything else goes through client-node (here: basic auth)', async () => {
  const path = join(dir, 'basic.yaml');
  await writeFile(path, kubeconfig('insecure-skip-tls-verify: true', 'username: admin, password: secret'));
  const connection = await loadConnection({ KUBECONFIG: path });
  assert.equal(connection.server.href, 'https://127.0.0.1:6443/');
  assert.deepEqual(connection.headers(), { authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}` });
});
