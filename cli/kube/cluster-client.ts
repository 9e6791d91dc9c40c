// The CLI reaches the API server with the operator's own client and kubeconfig reader: the same
// authentication paths, and requests the CLI can bound (QPS, connections) when it writes a lot.
import { apiClient, type ApiClient } from '../../api/kube/client.ts';
import { loadConnection } from '../../api/kube/connection.ts';
import { CommandError } from '../terminal/command.ts';

export interface ClusterOptions {
  /** --kubeconfig; else $KUBECONFIG, ~/.kube/config or the pod's service account, as kubectl looks. */
  kubeconfig: string | undefined;
  env: NodeJS.ProcessEnv;
  qps?: number;
  maxConnections?: number;
}

export async function clusterClient(options: ClusterOptions): Promise<ApiClient> {
  const env = options.kubeconfig === undefined ? options.env : { ...options.env, KUBECONFIG: options.kubeconfig };
  try {
    const connection = await loadConnection(env);
    const qps = options.qps ?? 200;
    return apiClient(connection, { qps, burst: qps * 2, maxConnections: options.maxConnections ?? 16 });
  } catch (error) {
    const where = options.kubeconfig ?? env.KUBECONFIG ?? '~/.kube/config';
    throw new CommandError(`cannot use kubeconfig ${where}: ${(error as Error).message}`);
  }
}
