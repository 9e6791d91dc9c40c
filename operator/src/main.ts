// The operator process: configuration, clients, leader election, the controller and the HTTP
// endpoints for metrics and probes. `make run-operator` runs it against $KUBECONFIG.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { getHeapStatistics } from 'node:v8';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { loadConfig } from './config.ts';
import { Controller } from './controller.ts';
import { apiClient } from '../../api/kube/client.ts';
import { loadConnection } from '../../api/kube/connection.ts';
import { LeaderElector } from './leader-election.ts';
import { operatorMetrics } from './metrics.ts';

const config = loadConfig(process.env);
const log = pino({ level: config.LOG_LEVEL, base: { component: 'switchyard-operator', identity: config.SWITCHYARD_IDENTITY } });
const metrics = operatorMetrics();
const client = apiClient(await loadConnection(process.env), {
  qps: config.SWITCHYARD_OPERATOR_QPS,
  burst: config.SWITCHYARD_OPERATOR_BURST,
  maxConnections: config.SWITCHYARD_OPERATOR_CONCURRENCY,
  onRequest: (verb, code, seconds, lane) => {
    metrics.apiRequests.inc({ verb, code: String(code) });
    metrics.apiRequestDuration.observe({ verb, lane }, seconds);
  },
});
const controller = new Controller({
  client, log, metrics,
  context: { randomBytes, images: { sipWorker: config.SWITCHYARD_SIP_WORKER_IMAGE, mediaRelay: config.SWITCHYARD_MEDIA_RELAY_IMAGE, pushService: config.SWITCHYARD_PUSH_SERVICE_IMAGE } },
  concurrency: config.SWITCHYARD_OPERATOR_CONCURRENCY,
  statusConcurrency: config.SWITCHYARD_STATUS_CONCURRENCY,
  resyncSeconds: config.SWITCHYARD_RESYNC_SECONDS,
  identity: config.SWITCHYARD_IDENTITY,
});

let leading = !config.SWITCHYARD_LEADER_ELECTION;
const server = createServer((req, res) => {
  if (req.url === '/metrics') {
    void metrics.registry.metrics().then((text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text));
  } else if (req.url === '/livez') {
    res.writeHead(200).end('ok');
  } else if (req.url === '/readyz') {
    // A standby replica is ready (it can take over); a leader is ready once its caches synced.
    const ready = !leading || controller.synced;
    res.writeHead(ready ? 200 : 503).end(ready ? 'ok' : 'caches not synced');
  } else {
    res.writeHead(404).end();
  }
});
const [host = '0.0.0.0', port = '8080'] = config.SWITCHYARD_HTTP_ADDRESS.split(/:(?=\d+$)/);
server.listen(Number(port), host, () => log.info({ address: `${host}:${(server.address() as AddressInfo).port}` }, 'http listening'));
// Without --max-old-space-size, V8 sizes the heap for the machine (4 GB on a large node) and lets it
// grow to several times what is live; docs/adr/0002-operator-at-scale.md says what to set.
log.info({ heapLimitMb: Math.round(getHeapStatistics().heap_size_limit / 2 ** 20) }, 'heap limit');

const stop = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => { log.info({ signal }, 'shutting down'); stop.abort(); });

try {
  // Leader or standby, the caches fill now: a standby that takes over has them warm.
  void controller.observe(stop.signal);
  if (config.SWITCHYARD_LEADER_ELECTION) {
    const elector = new LeaderElector(client, {
      namespace: config.SWITCHYARD_LEASE_NAMESPACE, name: config.SWITCHYARD_LEASE_NAME, identity: config.SWITCHYARD_IDENTITY,
      leaseDurationSeconds: config.SWITCHYARD_LEASE_DURATION_SECONDS, renewDeadlineSeconds: config.SWITCHYARD_LEASE_RENEW_DEADLINE_SECONDS, retryPeriodSeconds: config.SWITCHYARD_LEASE_RETRY_SECONDS,
    }, log);
    await elector.run(stop.signal, (leadingSignal) => controller.run(leadingSignal), (now) => { leading = now; metrics.leader.set(now ? 1 : 0); });
  } else {
    metrics.leader.set(1);
    await controller.run(stop.signal);
  }
} catch (error) {
  log.error({ err: error }, 'operator failed');
  process.exitCode = 1;
} finally {
  server.close();
  // Leadership ended without a shutdown request: exit so the pod restarts as a fresh candidate.
  if (!stop.signal.aborted) process.exitCode = process.exitCode ?? 1;
}
