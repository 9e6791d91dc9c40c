// The push service process, as the operator's Deployment runs it (`node sip-workers/src/push/main.ts`,
// operator/src/compile/workloads/push-service.ts): settings from the environment, the keys from
// the mounted Secrets, the HTTP API the SIP workers call, and on SIGTERM a stop that lets pushes
// in flight finish. Its only Kubernetes API use is its pod Lease, which tells the operator whether
// Apple and Google take the credentials.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { podApiClient } from '../kube/pod-api-client.ts';
import { apnsOrigins } from './apns/apns-client.ts';
import { loadPushConfig, type PushConfig } from './config.ts';
import { fcmOrigin } from './fcm/fcm-client.ts';
import { startCredentialLease } from './credential-lease.ts';
import { startHttpApi } from './http-api.ts';
import { createPushService, type PushServiceSettings } from './push-service.ts';

function settingsFrom(config: PushConfig, extraCA: string | undefined): PushServiceSettings {
  const {
    SWITCHYARD_APNS_TEAM_ID: teamID, SWITCHYARD_APNS_KEY_ID: keyID, SWITCHYARD_APNS_TOPIC: topic, SWITCHYARD_APNS_PRIVATE_KEY_FILE: keyFile,
    SWITCHYARD_APNS_CERTIFICATE_FILE: certificateFile, SWITCHYARD_APNS_CERTIFICATE_KEY_FILE: certificateKeyFile,
    SWITCHYARD_FCM_PROJECT_ID: projectID, SWITCHYARD_FCM_SERVICE_ACCOUNT_FILE: accountFile,
  } = config;
  return {
    carrier: config.SWITCHYARD_CARRIER,
    ...(teamID && topic ? {
      apns: {
        teamID, topic,
        origin: config.SWITCHYARD_APNS_URL ?? apnsOrigins[config.SWITCHYARD_APNS_ENVIRONMENT],
        tokenRefreshMs: config.SWITCHYARD_APNS_TOKEN_REFRESH_MINUTES * 60_000,
        ...(keyID && keyFile ? { keyID, privateKey: () => readFileSync(keyFile, 'utf8') } : {}),
        ...(certificateFile && certificateKeyFile ? { certificate: () => ({ cert: readFileSync(certificateFile, 'utf8'), key: readFileSync(certificateKeyFile, 'utf8') }) } : {}),
      },
    } : {}),
    ...(projectID && accountFile ? {
      fcm: { projectID, origin: config.SWITCHYARD_FCM_URL ?? fcmOrigin, serviceAccount: () => readFileSync(accountFile, 'utf8') },
    } : {}),
    ...(extraCA === undefined ? {} : { extraCA }),
    ttlSeconds: config.SWITCHYARD_PUSH_TTL_SECONDS,
    requestTimeoutMs: config.SWITCHYARD_PUSH_REQUEST_TIMEOUT_MS,
    retry: { maxAttempts: config.SWITCHYARD_PUSH_MAX_ATTEMPTS, baseDelayMs: config.SWITCHYARD_PUSH_RETRY_BASE_MS, maxDelayMs: 5000 },
    dedupMs: config.SWITCHYARD_PUSH_DEDUP_SECONDS * 1000,
  };
}

let config: PushConfig;
let extraCA: string | undefined;
try {
  config = loadPushConfig(process.env);
  extraCA = config.SWITCHYARD_PUSH_CA_FILE === undefined ? undefined : readFileSync(config.SWITCHYARD_PUSH_CA_FILE, 'utf8');
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}

const log = pino({ level: config.LOG_LEVEL, base: { carrier: config.SWITCHYARD_CARRIER, component: 'push-service' } });
const clock = { now: () => Date.now(), sleep: (ms: number) => sleep(ms), random: Math.random };
const service = createPushService(settingsFrom(config, extraCA), log, clock);

let draining = false;
const http = await startHttpApi({ host: config.SWITCHYARD_HTTP_HOST, port: config.SWITCHYARD_HTTP_PORT, carrier: config.SWITCHYARD_CARRIER, service, draining: () => draining, log });
log.info({ http: `${config.SWITCHYARD_HTTP_HOST}:${http.port}`, providers: Object.keys(service.health.snapshot()) }, 'push service listening');
void service.checkCredentials();
const lease = config.SWITCHYARD_POD_NAME === undefined
  ? undefined
  : startCredentialLease({
      client: await podApiClient(config.SWITCHYARD_KUBECONFIG),
      namespace: config.SWITCHYARD_NAMESPACE,
      carrier: config.SWITCHYARD_CARRIER,
      podName: config.SWITCHYARD_POD_NAME,
      ...(config.SWITCHYARD_POD_UID === undefined ? {} : { podUID: config.SWITCHYARD_POD_UID }),
      health: service.health,
      logger: log,
    });

async function shutdown(signal: string): Promise<void> {
  if (draining) return;
  draining = true;
  log.info({ signal }, 'stopping: new pushes get 503, pushes in flight may finish');
  http.server.close();
  await Promise.race([service.dispatcher.idle(), sleep(config.SWITCHYARD_DRAIN_SECONDS * 1000, undefined, { ref: false })]);
  await service.close();
  await lease?.stop();
  log.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
