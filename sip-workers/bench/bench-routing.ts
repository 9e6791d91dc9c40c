// The carrier the bench calls into, compiled by the operator's own compile step: an inbound
// trunk from 127.0.0.1 and a number whose account's webhook dials the SIPp callee, and a
// SipDomain whose ACL leaves 127.0.0.1 out, so every call to it passes digest authentication.
import { account, carrier, carrierRef, inboundTrunk, phoneNumber, secret, sipDomain } from '../../operator/test/builders.ts';
import { compileRoutingTexts } from '../test/support/routing-fixture.ts';
import type { RoutingTexts } from '../test/support/routing-fixture.ts';

export const BENCH_CARRIER = 'mekong';
export const benchNumber = '+85523900100';
export const benchDomain = 'bench.sip-ap.sip.test';
/** The Request-URI user of domain calls; any user will do, the domain's account answers. */
export const domainCallee = '+85523900777';
export const benchAgent = { username: 'agent-101', password: 's3cret-agent-101' } as const;

/** `carrierEvents`: the Carrier sets an event webhook (the webhook process's /events), so every call also posts its event. */
export function benchRouting(webhookBase: string, carrierEvents = false): RoutingTexts {
  return compileRoutingTexts({
    carriers: [carrier(BENCH_CARRIER, { displayName: 'Mekong', country: 'KH', sipDomainBase: 'sip.test', ...(carrierEvents ? { eventWebhook: { url: `${webhookBase}/events` } } : {}) })],
    accounts: [
      account('clinic', { ...carrierRef(BENCH_CARRIER), displayName: 'Clinic', voiceURL: `${webhookBase}/voice` }),
      account('pepper', { ...carrierRef(BENCH_CARRIER), displayName: 'Pepper', voiceURL: `${webhookBase}/domain` }),
    ],
    inboundTrunks: [inboundTrunk('sbc', { ...carrierRef(BENCH_CARRIER), sourceIPs: ['127.0.0.1'] })],
    phoneNumbers: [phoneNumber('clinic-main', { ...carrierRef(BENCH_CARRIER), number: benchNumber, accountRef: { name: 'clinic' } })],
    sipDomains: [
      sipDomain('bench', {
        ...carrierRef(BENCH_CARRIER), accountRef: { name: 'pepper' }, name: 'bench', region: 'ap', acl: ['127.0.0.3/32'],
        credentials: [{ username: benchAgent.username, passwordSecretRef: { name: 'bench-sip-users', key: benchAgent.username } }],
      }),
    ],
    secrets: new Map([secret('bench-sip-users', { [benchAgent.username]: benchAgent.password })]),
  }, BENCH_CARRIER);
}
