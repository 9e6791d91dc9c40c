import { readFile, writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

const base64 = async (path: string) => (await readFile(path)).toString('base64');

/** Writes a self-contained kubeconfig (certificates embedded), so it still works if the run dir moves. */
export async function writeKubeconfig(path: string, server: string, caCert: string, client: { cert: string; key: string }, user: string) {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'switchyard-test', cluster: { server, 'certificate-authority-data': await base64(caCert) } }],
    users: [{ name: user, user: { 'client-certificate-data': await base64(client.cert), 'client-key-data': await base64(client.key) } }],
    contexts: [{ name: 'switchyard-test', context: { cluster: 'switchyard-test', user, namespace: 'default' } }],
    'current-context': 'switchyard-test',
  };
  await writeFile(path, stringify(config), { mode: 0o600 });
}
