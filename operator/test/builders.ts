// Object builders for compile tests: specs go through the real zod schemas, so defaults apply as
// they do on the API server.
import { accountSpec } from '../../api/v1alpha1/account.ts';
import { carrierSpec } from '../../api/v1alpha1/carrier.ts';
import { inboundTrunkSpec } from '../../api/v1alpha1/inbound-trunk.ts';
import { outboundTrunkSpec } from '../../api/v1alpha1/outbound-trunk.ts';
import { phoneNumberSpec } from '../../api/v1alpha1/phone-number.ts';
import { sipDomainSpec } from '../../api/v1alpha1/sip-domain.ts';
import type { CompileContext } from '../src/compile/compile.ts';
import type { Metadata, Observed, ObservedObject } from '../src/compile/observed.ts';

let clock = 0;
const metadata = (name: string, namespace = 'telco'): Metadata => {
  clock += 1000;
  return { name, namespace, uid: `uid-${namespace}-${name}`, creationTimestamp: new Date(Date.UTC(2026, 0, 1) + clock), generation: 1 };
};
const build = <S>(parse: (input: unknown) => S) => (name: string, spec: Record<string, unknown>, namespace?: string): ObservedObject<S> => ({ metadata: metadata(name, namespace), spec: parse(spec) });

export const carrier = build((s) => carrierSpec.parse(s));
export const account = build((s) => accountSpec.parse(s));
export const inboundTrunk = build((s) => inboundTrunkSpec.parse(s));
export const outboundTrunk = build((s) => outboundTrunkSpec.parse(s));
export const phoneNumber = build((s) => phoneNumberSpec.parse(s));
export const sipDomain = build((s) => sipDomainSpec.parse(s));

export const carrierRef = (name = 'mekong') => ({ carrierRef: { name } });

export function observed(parts: Partial<Observed>): Observed {
  return { carriers: [], accounts: [], inboundTrunks: [], outboundTrunks: [], phoneNumbers: [], sipDomains: [], invalid: [], secrets: new Map(), workers: [], pushServices: [], ...parts };
}

export const context: CompileContext = {
  now: new Date('2026-11-23T12:00:00Z'),
  randomBytes: (size) => new Uint8Array(size).fill(7),
  images: { sipWorker: 'sip-worker:test', mediaRelay: 'rtpengine:test', pushService: 'sip-worker:test' },
};

export const secret = (name: string, data: Record<string, string>, namespace = 'telco') => [`${namespace}/${name}`, { namespace, name, data }] as const;
