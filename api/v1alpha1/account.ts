import { z } from 'zod';
import { carrierRef, conditions, defineKind, enabled, httpMethod, httpURL, observedGeneration, trailingColumns, validations } from './meta.ts';

export const accountSpec = z
  .object({
    carrierRef: carrierRef(),
    displayName: z.string().min(1).max(100).optional().describe('A friendly name for the account.'),
    type: z.enum(['carrierManaged', 'customerManaged']).default('carrierManaged').describe('carrierManaged: the carrier runs the account and only it sees the Account SID and auth token. customerManaged: the owner named below manages it. Defaults to carrierManaged.'),
    owner: z
      .object({
        name: z.string().min(1).max(100).describe('The owner\'s full name.'),
        email: z.string().max(254).regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/).describe('The owner\'s email address.'),
      })
      .optional()
      .describe('The customer who manages a customerManaged account. Required for customerManaged, forbidden for carrierManaged.'),
    enabled: enabled('the account (and every number and SIP domain assigned to it)'),
    voiceURL: httpURL('Default webhook fetched for TwiML when a call reaches one of the account\'s numbers or SIP domains that sets no voiceURL of its own.').optional(),
    voiceMethod: httpMethod('voiceURL'),
    statusCallbackURL: httpURL('URL that receives a POST when each of the account\'s calls ends.').optional(),
    statusCallbackMethod: httpMethod('statusCallbackURL'),
  })
  .describe('Desired state of the Account.')
  .meta(
    validations(
      { rule: "self.type != 'customerManaged' || has(self.owner)", message: 'a customerManaged account needs an owner (name and email)', fieldPath: '.owner', reason: 'FieldValueRequired' },
      { rule: "self.type != 'carrierManaged' || !has(self.owner)", message: 'a carrierManaged account has no owner; set type: customerManaged to give it one', fieldPath: '.owner', reason: 'FieldValueForbidden' },
    ),
  );

export const accountStatus = z
  .object({
    observedGeneration: observedGeneration().optional(),
    conditions: conditions().optional(),
    accountSID: z.string().regex(/^AC[0-9a-f]{32}$/).optional().describe('The Account SID (AC followed by 32 hex digits), generated once and kept for the life of the account.'),
    authTokenSecretRef: z
      .object({
        name: z.string().max(253).describe('Name of the Secret.'),
        key: z.string().max(253).describe('Key holding the auth token.'),
      })
      .optional()
      .describe('The Secret that holds the account\'s auth token, which signs its webhooks.'),
    phoneNumbers: z.number().int().min(0).optional().describe('Phone numbers in routing for this account.'),
  })
  .describe('Observed state of the Account.');

export const Account = defineKind({
  kind: 'Account',
  plural: 'accounts',
  shortNames: ['acct'],
  description: 'An Account is a carrier\'s customer: it owns phone numbers and SIP domains, and its webhooks decide what happens to their calls. It gets an Account SID and an auth token, as in Twilio\'s API.',
  spec: accountSpec,
  status: accountStatus,
  printerColumns: [
    { name: 'Carrier', type: 'string', jsonPath: '.spec.carrierRef.name' },
    { name: 'Type', type: 'string', jsonPath: '.spec.type' },
    { name: 'Enabled', type: 'boolean', jsonPath: '.spec.enabled' },
    { name: 'SID', type: 'string', jsonPath: '.status.accountSID' },
    ...trailingColumns,
  ],
});
