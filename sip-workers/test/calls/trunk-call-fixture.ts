// The platform the call tests run against: one carrier (KH) with a trunk from 127.0.0.1, a SIP
// domain, accounts in every state, and three outbound trunks whose far ends are SIPp UASes on the
// ports given. Compiled by the operator's own compile step.
import { account, carrier, carrierRef, inboundTrunk, outboundTrunk, phoneNumber, secret, sipDomain } from '../../../operator/test/builders.ts';
import { compileRoutingTexts } from '../support/routing-fixture.ts';
import type { RoutingTexts } from '../support/routing-fixture.ts';
import { freeUdpPort } from '../support/sipp.ts';
import { startWebhookServer } from '../support/webhook-server.ts';
import type { WebhookServer } from '../support/webhook-server.ts';
import { startTestWorker } from '../support/worker-harness.ts';
import type { TestWorker, TestWorkerOptions } from '../support/worker-harness.ts';
import { after, before } from 'node:test';

export const domainFqdn = 'kampot.sip-ap.sip.test';
export const numbers = { clinic: '+85523900100', closed: '+85523900101', flaky: '+85523900102', disabled: '+85523900103' } as const;
export const agent = { username: 'agent-101', password: 's3cret-agent-101' } as const;

export const trunkCredentials = { username: 'switchyard-kh', password: 'trunk-pass-9', realm: 'trunk.test' } as const;

export interface FixturePorts {
  primary: number;
  secondary: number;
  /** The far end of us-transit, a trunk for +1 numbers that challenges with digest. */
  digest: number;
}

/** Free loopback UDP ports for the outbound trunks' far ends. */
export const freeFixturePorts = async (): Promise<FixturePorts> => ({ primary: await freeUdpPort(), secondary: await freeUdpPort(), digest: await freeUdpPort() });

/** `eventWebhookURL`: the carrier's event webhook (spec.eventWebhook), absent by default. */
export function trunkCallRouting(webhookBase: string, ports: FixturePorts, eventWebhookURL?: string): RoutingTexts {
  return compileRoutingTexts({
    carriers: [carrier('mekong', { displayName: 'Mekong', country: 'KH', sipDomainBase: 'sip.test', ...(eventWebhookURL === undefined ? {} : { eventWebhook: { url: eventWebhookURL } }) })],
    accounts: [
      account('clinic', { ...carrierRef(), displayName: 'Clinic', voiceURL: `${webhookBase}/voice`, statusCallbackURL: `${webhookBase}/status` }),
      account('closed', { ...carrierRef(), displayName: 'Closed', enabled: false, voiceURL: `${webhookBase}/voice` }),
      account('flaky', { ...carrierRef(), displayName: 'Flaky', voiceURL: `${webhookBase}/down` }),
      account('pepper', { ...carrierRef(), displayName: 'Pepper', voiceURL: `${webhookBase}/domain` }),
    ],
    inboundTrunks: [inboundTrunk('sbc', { ...carrierRef(), sourceIPs: ['127.0.0.1'] })],
    outboundTrunks: [
      outboundTrunk('primary', { ...carrierRef(), host: '127.0.0.1', port: ports.primary, routePrefixes: ['855'], priority: 10, stopFailoverCodes: [502] }),
      outboundTrunk('secondary', { ...carrierRef(), host: '127.0.0.1', port: ports.secondary, routePrefixes: ['855'], priority: 20 }),
      outboundTrunk('us-transit', {
        ...carrierRef(), host: '127.0.0.1', port: ports.digest, routePrefixes: ['1'],
        credentials: { username: trunkCredentials.username, realm: trunkCredentials.realm, passwordSecretRef: { name: 'us-transit-credentials', key: 'password' } },
      }),
    ],
    phoneNumbers: [
      phoneNumber('clinic-main', { ...carrierRef(), number: numbers.clinic, accountRef: { name: 'clinic' } }),
      phoneNumber('closed-main', { ...carrierRef(), number: numbers.closed, accountRef: { name: 'closed' } }),
      phoneNumber('flaky-main', { ...carrierRef(), number: numbers.flaky, accountRef: { name: 'flaky' }, voiceFallbackURL: `${webhookBase}/fallback` }),
      phoneNumber('spare', { ...carrierRef(), number: numbers.disabled, enabled: false, accountRef: { name: 'clinic' } }),
    ],
    sipDomains: [
      sipDomain('kampot', {
        ...carrierRef(), accountRef: { name: 'pepper' }, name: 'kampot', region: 'ap', acl: ['127.0.0.3/32'],
        credentials: [{ username: agent.username, passwordSecretRef: { name: 'kampot-sip-users', key: agent.username } }],
      }),
    ],
    secrets: new Map([
      secret('kampot-sip-users', { [agent.username]: agent.password }),
      secret('us-transit-credentials', { password: trunkCredentials.password }),
    ]),
  }, 'mekong');
}

export interface TrunkCallPlatform {
  readonly webhook: WebhookServer;
  readonly worker: TestWorker;
  readonly ports: FixturePorts;
  /** The worker's SIP address, as SIPp's remote. */
  readonly remote: string;
}

/**
 * For one describe block: before it, the customer's webhook (status callbacks answered 204) and a
 * worker with this fixture's routing, its trunks' far ends on free ports; after it, both closed.
 */
export function trunkCallPlatform(options: TestWorkerOptions = {}): TrunkCallPlatform {
  let webhook: WebhookServer | undefined;
  let worker: TestWorker | undefined;
  const ports: FixturePorts = { primary: 0, secondary: 0, digest: 0 };
  before(async () => {
    webhook = await startWebhookServer();
    Object.assign(ports, await freeFixturePorts());
    worker = await startTestWorker(trunkCallRouting(webhook.base, ports), options);
    webhook.route('/status', (_hit, response) => void response.writeHead(204).end());
  });
  after(async () => {
    await worker?.close();
    await webhook?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the trunk call platform is used outside the describe block that started it');
    return value;
  };
  return {
    get webhook() { return started(webhook); },
    get worker() { return started(worker); },
    ports,
    get remote() { return `127.0.0.1:${started(worker).port}`; },
  };
}
