import { z } from 'zod';
import { carrierRef, conditions, defineKind, e164OrShortCodePattern, enabled, httpMethod, httpURL, localObjectReference, observedGeneration, phoneNumber, trailingColumns, validations } from './meta.ts';

export const phoneNumberSpec = z
  .object({
    carrierRef: carrierRef(),
    number: phoneNumber(),
    type: z.enum(['local', 'mobile', 'tollFree', 'shortCode']).default('local').describe('Kind of number: local, mobile, tollFree or shortCode. Short codes must be typed shortCode. Defaults to local.'),
    accountRef: localObjectReference('Account').optional().describe('The Account the number is assigned to. An unassigned number is provisioned but answers calls with 404.'),
    enabled: enabled('the number'),
    voiceURL: httpURL('Webhook fetched for TwiML when the number is called. Empty uses the account\'s voiceURL.').optional(),
    voiceMethod: httpMethod('voiceURL'),
    voiceFallbackURL: httpURL('Webhook fetched when voiceURL fails or times out.').optional(),
    voiceFallbackMethod: httpMethod('voiceFallbackURL'),
    statusCallbackURL: httpURL('URL that receives a POST when each call to the number ends. Empty uses the account\'s.').optional(),
    statusCallbackMethod: httpMethod('statusCallbackURL'),
  })
  .describe('Desired state of the PhoneNumber.')
  .meta(
    validations({
      rule: `(self.type == 'shortCode') == !self.number.startsWith('+')`,
      message: 'type must be shortCode exactly when number is a short code (no leading "+")',
      fieldPath: '.type',
    }),
  );

// Kept next to the schema so the CSV importer and the compile step agree with admission.
export const numberPattern = new RegExp(e164OrShortCodePattern);

export const phoneNumberStatus = z
  .object({
    observedGeneration: observedGeneration().optional(),
    conditions: conditions().optional(),
    account: z.string().max(253).optional().describe('Name of the Account the number routes to.'),
    accountSID: z.string().max(34).optional().describe('SID of the Account the number routes to.'),
    webhook: z
      .object({
        url: z.string().max(2048).describe('The voice webhook URL in effect.'),
        method: z.enum(['POST', 'GET']).describe('Its HTTP method.'),
        source: z.enum(['PhoneNumber', 'Account']).describe('Whether it comes from the number or the account default.'),
      })
      .optional()
      .describe('The voice webhook calls to this number fetch.'),
  })
  .describe('Observed state of the PhoneNumber.');

export const PhoneNumber = defineKind({
  kind: 'PhoneNumber',
  plural: 'phonenumbers',
  shortNames: ['pn', 'num'],
  description: 'A PhoneNumber is an E.164 number or short code that a carrier routes to one of its accounts; calls to it fetch the voice webhook for TwiML.',
  spec: phoneNumberSpec,
  status: phoneNumberStatus,
  printerColumns: [
    { name: 'Number', type: 'string', jsonPath: '.spec.number' },
    { name: 'Type', type: 'string', jsonPath: '.spec.type', priority: 1 },
    { name: 'Carrier', type: 'string', jsonPath: '.spec.carrierRef.name', priority: 1 },
    { name: 'Account', type: 'string', jsonPath: '.spec.accountRef.name' },
    { name: 'Enabled', type: 'boolean', jsonPath: '.spec.enabled' },
    ...trailingColumns,
  ],
});
