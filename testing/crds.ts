import { join } from 'node:path';
import type { TestCluster } from './cluster.ts';

const crdDir = join(new URL('..', import.meta.url).pathname, 'crds');

/** Installs the generated CRDs (fails if they are missing) and waits until the API serves them. */
export async function installCrds(cluster: TestCluster): Promise<void> {
  await cluster.kubectlOk(['apply', '--server-side', '--force-conflicts', '--field-manager=switchyard-tests', '-f', crdDir]);
  await cluster.kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '-l', 'app.kubernetes.io/part-of=switchyard']);
}
