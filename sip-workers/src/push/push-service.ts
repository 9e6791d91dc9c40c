// The push service's parts wired together, without the process around them (main.ts adds the
// environment, HTTP and signals; tests start it in-process with a fake clock). A key that cannot
// be read leaves its provider out and says so in the credential health; the other still works.
import { Agent } from 'node:https';
import type { WorkerLogger } from '../worker/logger.ts';
import { ApnsClient, type ApnsAuthentication, type ApnsCertificate } from './apns/apns-client.ts';
import { usableCertificate } from './apns/apns-certificate.ts';
import { apnsGateway } from './apns/apns-gateway.ts';
import { ApnsProviderToken, loadApnsKey } from './apns/provider-token.ts';
import { CallLedger } from './call-ledger.ts';
import { CredentialHealth } from './credential-health.ts';
import { GoogleAccessToken } from './fcm/access-token.ts';
import { FcmClient } from './fcm/fcm-client.ts';
import { fcmGateway } from './fcm/fcm-gateway.ts';
import { parseServiceAccount } from './fcm/service-account.ts';
import type { Provider } from './gateway-outcome.ts';
import { trustedCAs } from './gateway-tls.ts';
import { pushMetrics, type PushMetrics } from './metrics.ts';
import { PushDispatcher, type PushResult } from './push-dispatcher.ts';
import type { PushGateway } from './push-gateway.ts';
import type { Clock, RetryPolicy } from './retry-policy.ts';

export interface PushServiceSettings {
  carrier: string;
  /** Token-based with keyID and privateKey (the .p8), or certificate-based with certificate. */
  apns?: { teamID: string; topic: string; origin: string; tokenRefreshMs: number; keyID?: string; privateKey?: () => string; certificate?: () => ApnsCertificate };
  fcm?: { projectID: string; origin: string; serviceAccount: () => string };
  /** PEM trusted for the gateways besides the public roots. */
  extraCA?: string;
  ttlSeconds: number;
  requestTimeoutMs: number;
  retry: RetryPolicy;
  dedupMs: number;
}

export interface PushService {
  dispatcher: PushDispatcher;
  health: CredentialHealth;
  metrics: PushMetrics;
  /** FCM's credentials can be proven without a push (an OAuth exchange); APNs' only by pushing. */
  checkCredentials(): Promise<void>;
  close(): Promise<void>;
}

const maxRememberedPushes = 100_000;

function countResponses(metrics: PushMetrics, provider: Provider) {
  return (status: number | undefined) => metrics.gatewayResponses.inc({ provider, status: status === undefined ? 'none' : String(status) });
}

/** Throws when the key or certificate cannot be used, before any push is attempted. */
function apnsAuthentication(settings: NonNullable<PushServiceSettings['apns']>, shared: { metrics: PushMetrics; clock: Clock }): ApnsAuthentication {
  if (settings.certificate) return { certificate: usableCertificate(settings.certificate(), shared.clock.now()) };
  if (settings.keyID === undefined || settings.privateKey === undefined) throw new Error('neither a provider key with its key ID nor a certificate');
  return {
    token: new ApnsProviderToken({
      teamID: settings.teamID, keyID: settings.keyID, key: loadApnsKey(settings.privateKey()),
      refreshAfterMs: settings.tokenRefreshMs, now: shared.clock.now, onMint: () => shared.metrics.tokensSigned.inc({ provider: 'apns' }),
    }),
  };
}

function startApns(settings: NonNullable<PushServiceSettings['apns']>, shared: { carrier: string; ca: string[] | undefined; requestTimeoutMs: number; metrics: PushMetrics; clock: Clock }): PushGateway {
  const client = new ApnsClient({ ...apnsAuthentication(settings, shared), origin: settings.origin, topic: settings.topic, ca: shared.ca, requestTimeoutMs: shared.requestTimeoutMs, onResponse: countResponses(shared.metrics, 'apns') });
  return apnsGateway(client, { teamID: settings.teamID, topic: settings.topic }, shared.carrier, shared.clock.now);
}

function startFcm(settings: NonNullable<PushServiceSettings['fcm']>, shared: { carrier: string; ca: string[] | undefined; requestTimeoutMs: number; metrics: PushMetrics; clock: Clock }) {
  const account = parseServiceAccount(settings.serviceAccount());
  const agent = new Agent({ keepAlive: true, ...(shared.ca ? { ca: shared.ca } : {}) });
  const accessToken = new GoogleAccessToken({ account, agent, requestTimeoutMs: shared.requestTimeoutMs, now: shared.clock.now, onMint: () => shared.metrics.tokensSigned.inc({ provider: 'fcm' }) });
  const client = new FcmClient({ origin: settings.origin, projectID: settings.projectID, accessToken, agent, requestTimeoutMs: shared.requestTimeoutMs, onResponse: countResponses(shared.metrics, 'fcm') });
  return { gateway: fcmGateway(client, agent, shared.carrier), accessToken };
}

export function createPushService(settings: PushServiceSettings, log: WorkerLogger, clock: Clock): PushService {
  const metrics = pushMetrics();
  const providers: Provider[] = [...(settings.apns ? ['apns' as const] : []), ...(settings.fcm ? ['fcm' as const] : [])];
  const health = new CredentialHealth(providers, metrics, log, clock.now);
  const shared = { carrier: settings.carrier, ca: trustedCAs(settings.extraCA), requestTimeoutMs: settings.requestTimeoutMs, metrics, clock };
  const gateways: Partial<Record<Provider, PushGateway>> = {};
  let accessToken: GoogleAccessToken | undefined;
  if (settings.apns) {
    try {
      gateways.apns = startApns(settings.apns, shared);
    } catch (error) {
      health.unreadable('apns', `APNs ${settings.apns.certificate ? 'certificate' : 'key'} unusable: ${(error as Error).message}`);
    }
  }
  if (settings.fcm) {
    try {
      const fcm = startFcm(settings.fcm, shared);
      gateways.fcm = fcm.gateway;
      accessToken = fcm.accessToken;
    } catch (error) {
      health.unreadable('fcm', `FCM service account unusable: ${(error as Error).message}`);
    }
  }
  const dispatcher = new PushDispatcher({
    gateways, ledger: new CallLedger<PushResult>(settings.dedupMs, maxRememberedPushes, clock.now),
    retry: settings.retry, defaultTtlSeconds: settings.ttlSeconds, health, metrics, log, clock,
  });
  return {
    dispatcher,
    health,
    metrics,
    checkCredentials: async () => {
      const result = await accessToken?.get();
      if (result === undefined) return;
      if ('token' in result) health.accepted('fcm');
      else if (result.failed.kind === 'bad-credentials') health.rejected('fcm', result.failed.reason, result.failed.message);
      else log.warn({ provider: 'fcm', outcome: result.failed }, 'could not reach Google\'s token endpoint to check the FCM credentials');
    },
    close: async () => {
      await Promise.all(Object.values(gateways).map((gateway) => gateway.close()));
    },
  };
}
