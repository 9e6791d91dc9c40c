// The Kubernetes API as a worker or push service pod reaches it: SWITCHYARD_KUBECONFIG outside a
// pod, else $KUBECONFIG or the pod's service account. The client the operator uses too, not
// @kubernetes/client-node: loading that took a worker from 134 to 170 MB of RSS at start and
// from 1.5 to 2.0 s before its HTTP port answered.
import { apiClient, type ApiClient } from '../../../api/kube/client.ts';
import { loadConnection } from '../../../api/kube/connection.ts';

// A pod makes a handful of requests a minute (its Lease, a manifest watch, the shards a change
// names). At start it reads every shard, up to 4,096 (the operator's maxShardCount), 16 at a time
// (kube-source.ts): the burst lets that go at the speed of those 16 rather than wait on the
// limiter, which is there to cap a loop gone wrong, not a start.
const limits = { qps: 1000, burst: 5000, maxConnections: 16 };

export async function podApiClient(kubeconfig: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<ApiClient> {
  const connection = await loadConnection(kubeconfig === undefined ? env : { ...env, KUBECONFIG: kubeconfig });
  return apiClient(connection, limits);
}
