// The interfaces in types.generated.ts describe objects as the API server returns them; this file
// makes the compiler prove that what zod parses (defaults applied) fits them, so the two cannot drift.
import type { z } from 'zod';
import type { accountSpec } from './account.ts';
import type { carrierSpec } from './carrier.ts';
import type { inboundTrunkSpec } from './inbound-trunk.ts';
import type { outboundTrunkSpec } from './outbound-trunk.ts';
import type { phoneNumberSpec } from './phone-number.ts';
import type { sipDomainSpec } from './sip-domain.ts';
import type * as generated from './types.generated.ts';

export type * from './types.generated.ts';

type Fits<Parsed, Declared> = Parsed extends Declared ? true : never;
export const schemaTypesFit: [
  Fits<z.output<typeof carrierSpec>, generated.CarrierSpec>,
  Fits<z.output<typeof accountSpec>, generated.AccountSpec>,
  Fits<z.output<typeof inboundTrunkSpec>, generated.InboundTrunkSpec>,
  Fits<z.output<typeof outboundTrunkSpec>, generated.OutboundTrunkSpec>,
  Fits<z.output<typeof phoneNumberSpec>, generated.PhoneNumberSpec>,
  Fits<z.output<typeof sipDomainSpec>, generated.SipDomainSpec>,
] = [true, true, true, true, true, true];
