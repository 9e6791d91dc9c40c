import { z } from 'zod';
import { sipDomainNamePattern, sipDomainRegionPattern } from '../routing/sip-domain-address.ts';
import { carrierRef, conditions, defineKind, enabled, hashesSecretRef, httpMethod, httpURL, ipOrCIDRList, localObjectReference, observedGeneration, passwordOrHashes, secretKeySelector, trailingColumns, validations } from './meta.ts';

const credential = z
  .object({
    username: z.string().min(1).max(128).regex(/^[A-Za-z0-9._~!$&'()*+,;=%-]+$/).describe('Digest username (the user part of the caller\'s From URI).'),
    passwordSecretRef: secretKeySelector('the password', 'password').optional(),
    hashesSecretRef: hashesSecretRef('the domain\'s address (status.domain, e.g. yourcompany.sip-us.<carrier sipDomainBase>)').optional(),
  })
  .describe('A username whose password, or whose HA1 hashes, live in a Secret. The operator publishes only HA1 = MD5(username:realm:password), with the domain as realm.')
  .meta(passwordOrHashes);

export const sipDomainSpec = z
  .object({
    carrierRef: carrierRef(),
    accountRef: localObjectReference('Account').describe('The Account whose webhook handles the domain\'s calls.'),
    name: z.string().min(1).max(63).regex(sipDomainNamePattern).describe('The customer\'s subdomain, a DNS label such as yourcompany. Calls to sip:number@yourcompany.sip-<region>.<carrier sipDomainBase> reach this domain. Immutable.').meta(validations({ rule: 'self == oldSelf', message: 'name is immutable; delete and re-create the SipDomain to rename it' })),
    region: z.string().min(2).max(12).regex(sipDomainRegionPattern).default('us').describe('Region label of the domain, as in Vonage\'s sip-us / sip-eu / sip-ap. Defaults to us.'),
    acl: ipOrCIDRList('Addresses and CIDRs allowed to send calls to the domain.').default([]),
    credentials: z.array(credential).max(100).default([]).describe('Digest credentials for callers that are not (or not only) admitted by the ACL.'),
    authentication: z.enum(['aclOrDigest', 'aclAndDigest']).default('aclOrDigest').describe('aclOrDigest: a source in the ACL is admitted without a challenge, any other caller must pass digest authentication. aclAndDigest: both. Defaults to aclOrDigest.'),
    forwardCustomHeaders: z.boolean().default(true).describe('Send the caller\'s X- headers to the webhook as SipHeader_X-... parameters (X-Switchyard- headers never are). Defaults to true.'),
    voiceURL: httpURL('Webhook fetched for TwiML when the domain is called. Empty uses the account\'s voiceURL.').optional(),
    voiceMethod: httpMethod('voiceURL'),
    voiceFallbackURL: httpURL('Webhook fetched when voiceURL fails or times out.').optional(),
    voiceFallbackMethod: httpMethod('voiceFallbackURL'),
    enabled: enabled('the domain'),
  })
  .describe('Desired state of the SipDomain.')
  .meta(
    validations(
      { rule: 'size(self.acl) > 0 || size(self.credentials) > 0', message: 'a SipDomain needs an acl, credentials or both, or no caller could ever be admitted', fieldPath: '.acl', reason: 'FieldValueRequired' },
      { rule: "self.authentication != 'aclAndDigest' || (size(self.acl) > 0 && size(self.credentials) > 0)", message: 'authentication aclAndDigest needs both an acl and credentials', fieldPath: '.authentication' },
      { rule: 'self.credentials.all(c, self.credentials.exists_one(d, d.username == c.username))', message: 'credential usernames must be unique within the domain', fieldPath: '.credentials' },
    ),
  );

export const sipDomainStatus = z
  .object({
    observedGeneration: observedGeneration().optional(),
    conditions: conditions().optional(),
    domain: z.string().max(253).optional().describe('The fully qualified SIP domain callers use in the Request-URI.'),
    credentials: z.number().int().min(0).optional().describe('Credentials published to routing.'),
  })
  .describe('Observed state of the SipDomain.');

export const SipDomain = defineKind({
  kind: 'SipDomain',
  plural: 'sipdomains',
  shortNames: ['sipd'],
  description: 'A SipDomain lets a customer\'s own SIP infrastructure call the platform at <name>.sip-<region>.<carrier domain>, admitted by IP ACL and/or digest credentials; its X- headers reach the webhook as SipHeader_X-... parameters.',
  spec: sipDomainSpec,
  status: sipDomainStatus,
  printerColumns: [
    { name: 'Domain', type: 'string', jsonPath: '.status.domain' },
    { name: 'Carrier', type: 'string', jsonPath: '.spec.carrierRef.name', priority: 1 },
    { name: 'Account', type: 'string', jsonPath: '.spec.accountRef.name' },
    { name: 'Region', type: 'string', jsonPath: '.spec.region' },
    { name: 'Enabled', type: 'boolean', jsonPath: '.spec.enabled' },
    ...trailingColumns,
  ],
});
