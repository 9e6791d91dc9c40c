// The platform registrar tests run against: carrier mekong with SIP domain kampot (account pepper,
// users agent-101 and agent-102, ACL 127.0.0.3), a domain that needs ACL and digest, a disabled one,
// one of another account, and a trunk from 127.0.0.1 with a number of pepper's, so a PSTN call can
// <Dial><Client> too. Compiled by the operator's own compile step.
import { account, carrier, carrierRef, inboundTrunk, phoneNumber, secret, sipDomain } from '../../../operator/test/builders.ts';
import { compileRoutingTexts } from './routing-fixture.ts';
import type { RoutingTexts } from './routing-fixture.ts';

export const kampot = 'kampot.sip-ap.sip.test';
export const strict = 'strict.sip-ap.sip.test';
export const closed = 'closed.sip-ap.sip.test';
export const other = 'other.sip-ap.sip.test';
export const pepperNumber = '+85523900555';
export const agent101 = { username: 'agent-101', password: 's3cret-agent-101' } as const;
export const agent102 = { username: 'agent-102', password: 's3cret-agent-102' } as const;

const users = (secretName: string, ...names: string[]) => names.map((username) => ({ username, passwordSecretRef: { name: secretName, key: username } }));

export function registrarRouting(webhookBase = 'http://127.0.0.1:9/unused'): RoutingTexts {
  return compileRoutingTexts({
    carriers: [carrier('mekong', { displayName: 'Mekong', country: 'KH', sipDomainBase: 'sip.test' })],
    accounts: [
      account('pepper', { ...carrierRef(), displayName: 'Pepper', voiceURL: `${webhookBase}/client` }),
      account('salt', { ...carrierRef(), displayName: 'Salt', voiceURL: `${webhookBase}/salt` }),
    ],
    inboundTrunks: [inboundTrunk('sbc', { ...carrierRef(), sourceIPs: ['127.0.0.1'] })],
    phoneNumbers: [phoneNumber('pepper-main', { ...carrierRef(), number: pepperNumber, accountRef: { name: 'pepper' } })],
    sipDomains: [
      sipDomain('kampot', { ...carrierRef(), accountRef: { name: 'pepper' }, name: 'kampot', region: 'ap', acl: ['127.0.0.3/32'], credentials: users('kampot-users', agent101.username, agent102.username) }),
      sipDomain('strict', { ...carrierRef(), accountRef: { name: 'pepper' }, name: 'strict', region: 'ap', acl: ['127.0.0.4/32'], authentication: 'aclAndDigest', credentials: users('kampot-users', agent101.username) }),
      sipDomain('closed', { ...carrierRef(), accountRef: { name: 'pepper' }, name: 'closed', region: 'ap', enabled: false, credentials: users('kampot-users', agent101.username) }),
      sipDomain('other', { ...carrierRef(), accountRef: { name: 'salt' }, name: 'other', region: 'ap', credentials: users('kampot-users', agent102.username) }),
    ],
    secrets: new Map([secret('kampot-users', { [agent101.username]: agent101.password, [agent102.username]: agent102.password })]),
  }, 'mekong');
}
