// What the push tests on the API server read and write: a List applied with kubectl, the Carrier's
// PushCredentialsValid condition, and the push service's Deployment as the operator wrote it.
import type { V1Deployment } from '@kubernetes/client-node';
import { conditionOf, list } from '../../../operator/test/cluster-objects.ts';
import type { TestCluster } from '../../../testing/cluster.ts';

export function pushCarrierObjects(cluster: TestCluster, namespace: string, carrier: string) {
  return {
    apply: (objects: object[]) => cluster.kubectlOk(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }) }),
    pushCondition: async () => {
      const carriers = await list(cluster, namespace, 'carriers.telecom.switchyard.dev');
      return conditionOf(carriers.find((c) => c.metadata.name === carrier), 'PushCredentialsValid');
    },
    pushDeployment: async (): Promise<V1Deployment | undefined> => {
      const result = await cluster.kubectl(['get', 'deployment', `${carrier}-push`, '-n', namespace, '-o', 'json']);
      return result.code === 0 ? (JSON.parse(result.stdout) as V1Deployment) : undefined;
    },
  };
}
