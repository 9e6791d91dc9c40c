import { Account } from './account.ts';
import { Carrier } from './carrier.ts';
import { InboundTrunk } from './inbound-trunk.ts';
import type { KindDefinition } from './meta.ts';
import { OutboundTrunk } from './outbound-trunk.ts';
import { PhoneNumber } from './phone-number.ts';
import { SipDomain } from './sip-domain.ts';

/** The six kinds in the order a reader meets them: tenant, customer, ingress, egress, numbers, domains. */
export const allKinds: readonly KindDefinition[] = [Carrier, Account, InboundTrunk, OutboundTrunk, PhoneNumber, SipDomain];
