// The push service in-process against the fake gateways, on a clock the test moves: Apple's and
// Google's token rules are about minutes and hours, which a test cannot wait for.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { pino } from 'pino';
import { createPushService, type PushService, type PushServiceSettings } from '../../src/push/push-service.ts';
import type { PushRequest } from '../../src/push/push-request.ts';
import { startFakeApns, type FakeApns } from '../support/push-gateways/fake-apns.ts';
import { startFakeFcm, type FakeFcm } from '../support/push-gateways/fake-fcm.ts';
import { apnsSigningKey, googleServiceAccount } from '../support/push-gateways/push-credentials.ts';
import { selfSignedCertificate, type TestCertificate } from '../support/tls-certificate.ts';

export const teamID = 'ABCDE12345';
export const keyID = 'KEY1234567';
export const topic = 'dev.switchyard.phone.voip';
export const projectID = 'switchyard-phone';
export const carrier = 'mekong-telecom';

/** A device token as iOS hands it out: 32 bytes in hex. */
export function deviceToken(seed: number): string {
  return seed.toString(16).padStart(2, '0').repeat(32);
}

export class TestClock {
  ms = Date.parse('2026-05-04T10:00:00Z');
  readonly now = () => this.ms;
  advanceMinutes(minutes: number): void {
    this.ms += minutes * 60_000;
  }
}

let certificate: TestCertificate | undefined;

/** One self-signed certificate per test file, removed when the file ends. */
export function gatewayCertificate(): TestCertificate {
  if (certificate) return certificate;
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-push-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  certificate = selfSignedCertificate(dir);
  return certificate;
}

export interface PushFixture {
  service: PushService;
  apns: FakeApns;
  fcm: FakeFcm;
  clock: TestClock;
  logs: Array<Record<string, unknown>>;
  push: (request: Partial<PushRequest> & Pick<PushRequest, 'callId' | 'provider' | 'prid'>) => ReturnType<PushService['dispatcher']['push']>;
  /** A counter or gauge from the service's registry, for one label set. */
  metric: (name: string, labels: Record<string, string>) => Promise<number>;
}

export interface FixtureOptions {
  /** Sign with a key Apple does not hold for keyID. */
  foreignApnsKey?: boolean;
  /** A service account Google does not know (its key was deleted). */
  foreignServiceAccount?: boolean;
  maxAttempts?: number;
}

/** Fakes and service are closed when the test file ends. */
export async function pushFixture(options: FixtureOptions = {}): Promise<PushFixture> {
  const clock = new TestClock();
  const cert = gatewayCertificate();
  const appleKey = apnsSigningKey();
  const apns = await startFakeApns({ certificate: cert, teamID, keyID, publicKey: appleKey.publicKey, topic, now: clock.now });
  // Google's side knows one key; the service may be given another with the same identity.
  const fcmBootstrap = googleServiceAccount(projectID, 'https://placeholder.invalid/token');
  const fcm = await startFakeFcm({ certificate: cert, projectID, clientEmail: fcmBootstrap.clientEmail, privateKeyID: fcmBootstrap.privateKeyID, publicKey: fcmBootstrap.publicKey, now: clock.now });
  const account = JSON.parse(fcmBootstrap.json) as Record<string, unknown>;
  account.token_uri = fcm.tokenURI;
  if (options.foreignServiceAccount) account.private_key = (JSON.parse(googleServiceAccount(projectID, fcm.tokenURI).json) as Record<string, unknown>).private_key;
  const logs: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const settings: PushServiceSettings = {
    carrier,
    apns: { teamID, keyID, topic, origin: apns.origin, tokenRefreshMs: 40 * 60_000, privateKey: () => (options.foreignApnsKey ? apnsSigningKey() : appleKey).pem },
    fcm: { projectID, origin: fcm.origin, serviceAccount: () => JSON.stringify(account) },
    extraCA: cert.cert,
    ttlSeconds: 30,
    requestTimeoutMs: 5000,
    retry: { maxAttempts: options.maxAttempts ?? 3, baseDelayMs: 5, maxDelayMs: 50 },
    dedupMs: 10 * 60_000,
  };
  const service = createPushService(settings, log, { now: clock.now, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)), random: () => 0.5 });
  after(async () => {
    await service.close();
    await apns.close();
    await fcm.close();
  });
  return {
    service, apns, fcm, clock, logs,
    push: (request) => service.dispatcher.push({ from: '+85512345678', ...request }),
    metric: async (name, labels) => {
      const metric = (await service.metrics.registry.getMetricsAsJSON()).find((candidate) => candidate.name === name);
      const values = (metric?.values ?? []) as Array<{ labels: Record<string, string | number>; value: number }>;
      return values.find((value) => Object.entries(labels).every(([key, expected]) => String(value.labels[key]) === expected))?.value ?? 0;
    },
  };
}

export interface RealTimeGateways {
  certificate: TestCertificate;
  /** The key Apple holds for keyID. */
  appleKey: ReturnType<typeof apnsSigningKey>;
  apns: FakeApns;
  fcm: FakeFcm;
  /** The service-account key JSON Google knows, pointing at the fake token endpoint. */
  serviceAccountJson: string;
}

/** Both fake gateways on the real clock, for the push service run as a process; closed when the test file ends. */
export async function startGateways(): Promise<RealTimeGateways> {
  const certificate = gatewayCertificate();
  const appleKey = apnsSigningKey();
  const apns = await startFakeApns({ certificate, teamID, keyID, publicKey: appleKey.publicKey, topic });
  const bootstrap = googleServiceAccount(projectID, 'https://placeholder.invalid/token');
  const fcm = await startFakeFcm({ certificate, projectID, clientEmail: bootstrap.clientEmail, privateKeyID: bootstrap.privateKeyID, publicKey: bootstrap.publicKey });
  after(async () => {
    await apns.close();
    await fcm.close();
  });
  const serviceAccountJson = JSON.stringify({ ...(JSON.parse(bootstrap.json) as object), token_uri: fcm.tokenURI });
  return { certificate, appleKey, apns, fcm, serviceAccountJson };
}
