// The operator's settings, parsed once from the environment; nothing else reads process.env.
import { hostname } from 'node:os';
import { z } from 'zod';

const flag = z.enum(['true', 'false']).transform((value) => value === 'true');

export const operatorConfig = z.object({
  SWITCHYARD_OPERATOR_QPS: z.coerce.number().positive().default(600).describe('Client-side limit on API requests a second. The client-go default of 5 would take hours to write 100,000 statuses.'),
  SWITCHYARD_OPERATOR_BURST: z.coerce.number().int().positive().default(1200),
  SWITCHYARD_OPERATOR_CONCURRENCY: z.coerce.number().int().positive().default(64).describe('Routing and workload writes in flight at once: the shards one pass changed go out together rather than in rounds.'),
  SWITCHYARD_STATUS_CONCURRENCY: z.coerce.number().int().positive().default(32).describe('Status writes in flight at once (each costs the API server ~3.5 ms of CPU). With 8, 100,000 statuses took too long while a bulk import kept the API server busy.'),
  SWITCHYARD_RESYNC_SECONDS: z.coerce.number().positive().default(300),
  SWITCHYARD_LEADER_ELECTION: flag.default(true),
  SWITCHYARD_LEASE_NAMESPACE: z.string().default('default'),
  SWITCHYARD_LEASE_NAME: z.string().default('switchyard-operator'),
  SWITCHYARD_LEASE_DURATION_SECONDS: z.coerce.number().positive().default(15),
  SWITCHYARD_LEASE_RENEW_DEADLINE_SECONDS: z.coerce.number().positive().default(10),
  SWITCHYARD_LEASE_RETRY_SECONDS: z.coerce.number().positive().default(2),
  SWITCHYARD_HTTP_ADDRESS: z.string().default('0.0.0.0:8080').describe('host:port for /metrics, /livez and /readyz; port 0 picks a free one.'),
  SWITCHYARD_IDENTITY: z.string().default(`${hostname()}-${process.pid}`),
  SWITCHYARD_SIP_WORKER_IMAGE: z.string().default('ghcr.io/switchyard-dev/sip-worker:0.1.0'),
  SWITCHYARD_MEDIA_RELAY_IMAGE: z.string().default('ghcr.io/switchyard-dev/rtpengine:0.1.0'),
  SWITCHYARD_PUSH_SERVICE_IMAGE: z.string().default('ghcr.io/switchyard-dev/sip-worker:0.1.0'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
});

export type OperatorConfig = z.output<typeof operatorConfig>;

export function loadConfig(env: NodeJS.ProcessEnv): OperatorConfig {
  const parsed = operatorConfig.safeParse(env);
  if (!parsed.success) throw new Error(`invalid operator configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
