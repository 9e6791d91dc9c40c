import { z } from 'zod';
import { carrierRef, conditions, defineKind, enabled, ipOrCIDRList, localObjectReference, observedGeneration, trailingColumns } from './meta.ts';

const digits = (description: string) => z.string().max(16).regex(/^[0-9]+$/).describe(description);

export const inboundTrunkSpec = z
  .object({
    carrierRef: carrierRef(),
    sourceIPs: ipOrCIDRList('Addresses and CIDRs the carrier\'s SIP servers send INVITEs from; a call is matched to this trunk by its source IP. At least one.').min(1),
    accountRef: localObjectReference('Account')
      .optional()
      .describe('Restrict calls on this trunk to the numbers of one Account (a BYOC customer\'s own trunk). Empty admits any account\'s numbers of this carrier.'),
    numberNormalization: z
      .object({
        stripPrefix: digits('Digits removed from the start of the Request-URI user part when present (e.g. a carrier\'s routing prefix).').optional(),
        addPrefix: digits('Digits added to the start after stripPrefix is removed.').optional(),
        nationalToE164: z.boolean().default(true).describe('Turn national numbers into E.164 with the Carrier\'s country (e.g. 012345678 in KH becomes +85512345678) and digits with a country code into "+"-prefixed E.164. Short codes are left as they are. Defaults to true.'),
      })
      .prefault({})
      .describe('How the called number in the Request-URI becomes the PhoneNumber to look up: strip, then add, then national to E.164.'),
    enabled: enabled('the trunk'),
  })
  .describe('Desired state of the InboundTrunk.');

export const inboundTrunkStatus = z
  .object({
    observedGeneration: observedGeneration().optional(),
    conditions: conditions().optional(),
  })
  .describe('Observed state of the InboundTrunk.');

export const InboundTrunk = defineKind({
  kind: 'InboundTrunk',
  plural: 'inboundtrunks',
  shortNames: ['itrunk'],
  description: 'An InboundTrunk admits calls from a carrier\'s SIP servers, recognised by source IP or CIDR, and says how their called numbers are normalised.',
  spec: inboundTrunkSpec,
  status: inboundTrunkStatus,
  printerColumns: [
    { name: 'Carrier', type: 'string', jsonPath: '.spec.carrierRef.name' },
    { name: 'Sources', type: 'string', jsonPath: '.spec.sourceIPs' },
    { name: 'Account', type: 'string', jsonPath: '.spec.accountRef.name' },
    { name: 'Enabled', type: 'boolean', jsonPath: '.spec.enabled' },
    ...trailingColumns,
  ],
});
