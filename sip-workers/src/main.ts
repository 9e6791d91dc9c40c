// The SIP worker process, as the operator's Deployment runs it (`node sip-workers/src/main.ts`):
// routing from the Kubernetes API (or a directory in standalone mode), SIP on UDP and TCP, the
// HTTP port for probes and metrics, the REST API on its own port, a Lease reporting the routing generation served, and a
// drain on SIGTERM that lets calls in progress finish.
import { readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { pino } from 'pino';
import { podApiClient } from './kube/pod-api-client.ts';
import { startDirectoryRoutingSource } from './routing/directory-source.ts';
import { startKubeRoutingSource } from './routing/kube-source.ts';
import { startLeaseReporter } from './routing/lease-reporter.ts';
import { RoutingStore } from './routing/routing-store.ts';
import { loadWorkerConfig, mediaAnchoringSettings, pushOptions, registrarOptions, tlsFiles } from './worker/config.ts';
import { AccountRateLimit } from './rest-api/account-rate-limit.ts';
import { RestApi, startRestApi } from './rest-api/rest-api-server.ts';
import { startHttpServer } from './worker/http-server.ts';
import { workerMetrics } from './worker/metrics.ts';
import { startSipWorker } from './worker/start-worker.ts';

const config = loadWorkerConfig(process.env);
const log = pino({ level: config.LOG_LEVEL, base: { carrier: config.SWITCHYARD_CARRIER, pod: config.SWITCHYARD_POD_NAME } });
const metrics = workerMetrics();

const store = new RoutingStore({ carrier: config.SWITCHYARD_CARRIER, logger: log });
store.onSwap((generation) => {
  metrics.routingGeneration.reset();
  metrics.routingGeneration.set({ carrier: config.SWITCHYARD_CARRIER, generation }, 1);
});
store.onReject(() => metrics.routingRejected.inc());

// Standalone mode (a routing directory) never talks to the API.
const client = config.SWITCHYARD_ROUTING_DIR ? undefined : await podApiClient(config.SWITCHYARD_KUBECONFIG);
const source = client === undefined
  ? startDirectoryRoutingSource({ dir: config.SWITCHYARD_ROUTING_DIR ?? '', store, logger: log })
  : startKubeRoutingSource({
      client,
      namespace: config.SWITCHYARD_NAMESPACE,
      carrier: config.SWITCHYARD_CARRIER,
      store,
      logger: log,
    });

const media = mediaAnchoringSettings(config);
if (media === undefined) log.info('SWITCHYARD_MEDIA_RELAY unset: media is not anchored, descriptions pass end to end');
const registrar = registrarOptions(config);
if (registrar === undefined) log.info('SWITCHYARD_REDIS_URL unset: no registrar, REGISTER gets 405');
const push = pushOptions(config);
if (push === undefined) log.info('SWITCHYARD_PUSH_SERVICE unset: phones with a push token are not woken by push');
const tls = tlsFiles(config);
const sip = await startSipWorker(
  {
    host: config.SWITCHYARD_SIP_HOST,
    port: config.SWITCHYARD_SIP_PORT,
    ...(tls === undefined ? {} : { tls }),
    ...((config.SWITCHYARD_SIP_ADVERTISED_HOST ?? config.SWITCHYARD_POD_IP) === undefined ? {} : { advertisedHost: config.SWITCHYARD_SIP_ADVERTISED_HOST ?? config.SWITCHYARD_POD_IP }),
    udpBufferBytes: config.SWITCHYARD_UDP_BUFFER_BYTES,
    webhookTimeoutMs: config.SWITCHYARD_WEBHOOK_TIMEOUT_SECONDS * 1000,
    signatureHeader: config.SWITCHYARD_WEBHOOK_SIGNATURE_HEADER,
    trunkProgressTimeoutMs: config.SWITCHYARD_TRUNK_PROGRESS_TIMEOUT_MS,
    dnsServers: config.SWITCHYARD_DNS_SERVERS,
    dnsCacheMs: config.SWITCHYARD_DNS_CACHE_SECONDS * 1000,
    ...(config.SWITCHYARD_DIGEST_KEY === undefined ? {} : { digestKey: Buffer.from(config.SWITCHYARD_DIGEST_KEY) }),
    ...(config.SWITCHYARD_FLOW_TOKEN_KEY === undefined ? {} : { flowTokenKey: Buffer.from(config.SWITCHYARD_FLOW_TOKEN_KEY) }),
    ...(media === undefined ? {} : { media }),
    maxCallMs: config.SWITCHYARD_MAX_CALL_SECONDS * 1000,
    keepaliveMs: config.SWITCHYARD_DIALOG_KEEPALIVE_SECONDS * 1000,
    overload: { backlogShare: config.SWITCHYARD_OVERLOAD_BACKLOG_SHARE },
    ...(registrar === undefined ? {} : { registrar }),
    ...(push === undefined ? {} : { push }),
    ...(config.SWITCHYARD_API_PORT === 0 ? {} : { callLedger: { retentionMs: config.SWITCHYARD_API_CALL_RETENTION_SECONDS * 1000, maxEnded: config.SWITCHYARD_API_CALL_RETENTION_MAX, orphanAfterMs: config.SWITCHYARD_CALL_ORPHAN_SECONDS * 1000 } }),
  },
  () => store.current(),
  metrics,
  log,
);

let draining = false;
const http = await startHttpServer(config.SWITCHYARD_HTTP_HOST, config.SWITCHYARD_HTTP_PORT, metrics.registry, {
  ready: () => {
    if (draining) return { ok: false, detail: 'draining' };
    const current = store.current();
    return current ? { ok: true, detail: `serving routing generation ${current.generation}` } : { ok: false, detail: 'no routing generation loaded yet' };
  },
});

const api = config.SWITCHYARD_API_PORT === 0
  ? undefined
  : await startRestApi(config.SWITCHYARD_API_HOST, config.SWITCHYARD_API_PORT, new RestApi({ routing: () => store.current(), placer: sip.placer, calls: sip.calls ?? missingCallLedger(), rateLimit: new AccountRateLimit(config.SWITCHYARD_API_CALLS_PER_SECOND), accepting: () => !draining, metrics, log }), log);

const lease = config.SWITCHYARD_POD_NAME !== undefined && client !== undefined
  ? startLeaseReporter({
      client,
      namespace: config.SWITCHYARD_NAMESPACE,
      carrier: config.SWITCHYARD_CARRIER,
      podName: config.SWITCHYARD_POD_NAME,
      ...(config.SWITCHYARD_POD_UID === undefined ? {} : { podUID: config.SWITCHYARD_POD_UID }),
      store,
      trunks: sip.trunkProbes,
      events: sip.events.health,
      logger: log,
    })
  : undefined;

// One line a person (or `make run`) can read to know where to send SIP.
// The heap limit bounds the calls a worker can keep for their 32 s (see the README), so it is stated.
const heapLimitMB = Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
log.info({ sip: `${config.SWITCHYARD_SIP_HOST}:${sip.transport.port}`, ...(sip.transport.tlsPort === 0 ? {} : { sipTls: `${config.SWITCHYARD_SIP_HOST}:${sip.transport.tlsPort}` }), http: `${config.SWITCHYARD_HTTP_HOST}:${http.port}`, ...(api === undefined ? {} : { api: `${config.SWITCHYARD_API_HOST}:${api.port}` }), sentBy: sip.transport.sentBy, version: packageVersion(), heapLimitMB }, sip.transport.tlsPort === 0 ? 'SIP worker listening on udp and tcp' : 'SIP worker listening on udp and tcp, and tls on its own port');

function missingCallLedger(): never {
  throw new Error('the REST API is on but the worker keeps no call ledger');
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

async function shutdown(signal: string): Promise<void> {
  if (draining) return;
  draining = true;
  log.info({ signal, activeCalls: sip.worker.activeCalls }, 'draining: new calls get 503, calls in progress may finish');
  const grace = config.SWITCHYARD_DRAIN_SECONDS * 1000;
  await Promise.race([Promise.all([sip.worker.drain(), sip.placer.settled()]), new Promise((resolve) => setTimeout(resolve, grace).unref())]);
  await lease?.stop();
  source.stop();
  await sip.close();
  http.server.close();
  api?.server.close();
  log.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
