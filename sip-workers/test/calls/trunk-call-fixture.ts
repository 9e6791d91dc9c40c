// The platform the call tests run against: one carrier (KH) with a trunk from 127.0.0.1, a SIP
// domain, accounts in every state, and three outbound trunks whose far ends are SIPp UASes on the
// ports given. Compiled by the operator's own compile step.
import { account, carrier, carrierRef, inboundTrunk, outboundTrunk, phoneNumber, secret, sipDomain } from '../../../operator/test/builders.ts';
import { compileRoutingTexts } from '../support/routing-fixture.ts';
import type { RoutingTexts } from '../support/routing-fixture.ts';
import { freeUdpPort } from '../support/sipp.ts';

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

export function trunkCallRouting(webhookBase: string, ports: FixturePorts): RoutingTexts {
  return compileRoutingTexts({
    carriers: [carrier('mekong', { displayName: 'Mekong', country: 'KH', sipDomainBase: 'sip.test' })],
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
