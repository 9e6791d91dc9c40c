// The Carrier's push service for call tests: the real service and HTTP API in-process on
// 127.0.0.1, pushing to a fake APNs that checks every request as Apple does (the ES256 provider
// token against the team's public key, the VoIP headers, the payload). Real clock: the calls wait
// seconds, well inside Apple's token rules.
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startHttpApi } from '../../src/push/http-api.ts';
import { createPushService } from '../../src/push/push-service.ts';
import { keyID, teamID, topic } from '../push/push-harness.ts';
import { startFakeApns } from './push-gateways/fake-apns.ts';
import type { FakeApns } from './push-gateways/fake-apns.ts';
import { apnsSigningKey } from './push-gateways/push-credentials.ts';
import { selfSignedCertificate } from './tls-certificate.ts';

export interface PushServiceFixture {
  /** SWITCHYARD_PUSH_SERVICE for the workers. */
  url: string;
  carrier: string;
  apns: FakeApns;
  /** pn-param for an iOS phone of this Carrier's app. */
  apnsParam: string;
  close(): Promise<void>;
}

export async function startPushServiceFixture(carrier: string): Promise<PushServiceFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-push-calls-'));
  const certificate = selfSignedCertificate(dir);
  const appleKey = apnsSigningKey();
  const apns = await startFakeApns({ certificate, teamID, keyID, publicKey: appleKey.publicKey, topic });
  const log = pino({ level: process.env.SWITCHYARD_TEST_LOG_LEVEL ?? 'silent' });
  const service = createPushService({
    carrier,
    apns: { teamID, keyID, topic, origin: apns.origin, tokenRefreshMs: 40 * 60_000, privateKey: () => appleKey.pem },
    extraCA: certificate.cert,
    ttlSeconds: 30,
    requestTimeoutMs: 5000,
    retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 50 },
    dedupMs: 10 * 60_000,
  }, log, { now: Date.now, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)), random: Math.random });
  const http: { server: Server; port: number } = await startHttpApi({ host: '127.0.0.1', port: 0, carrier, service, draining: () => false, log });
  return {
    url: `http://127.0.0.1:${http.port}`,
    carrier,
    apns,
    apnsParam: `${teamID}.${topic}`,
    close: async () => {
      await new Promise((resolve) => http.server.close(resolve));
      await service.close();
      await apns.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
