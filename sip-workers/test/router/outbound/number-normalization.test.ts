import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeDialedNumber, normalizeInboundNumber } from '../../../src/router/outbound/number-normalization.ts';
import type { NumberNormalization } from '../../../src/router/outbound/number-normalization.ts';

const cambodia = { callingCode: '855', nationalPrefix: '0' };
const nanp = { callingCode: '1', nationalPrefix: '1' };
const toE164: NumberNormalization = { nationalToE164: true };

test('inbound Request-URI user parts become E.164 or stay short codes (KH carrier)', () => {
  const cases: Array<[string, NumberNormalization, string | undefined]> = [
    ['012345678', toE164, '+85512345678'],
    ['85512345678', toE164, '+85512345678'],
    ['+85512345678', toE164, '+85512345678'],
    ['4915112345678', toE164, '+4915112345678'],
    ['1294', toE164, '1294'],
    ['123', toE164, '123'],
    ['123456', toE164, '123456'],
    // Short codes run to 8 digits, as the PhoneNumber schema allows; a 7-digit one used to become "+1234567".
    ['1234567', toE164, '1234567'],
    ['12345678', toE164, '12345678'],
    ['123456789', toE164, '+123456789'],
    ['012-345-678', toE164, '+85512345678'],
    ['(012) 345.678', toE164, '+85512345678'],
    ['+855 12 345 678', toE164, '+85512345678'],
    ['012345678;phone-context=+855', toE164, '+85512345678'],
    ['+85512345678;isub=1', toE164, '+85512345678'],
    ['99012345678', { stripPrefix: '99', nationalToE164: true }, '+85512345678'],
    ['12345678', { addPrefix: '0', nationalToE164: true }, '+85512345678'],
    ['7712345678', { stripPrefix: '77', addPrefix: '0', nationalToE164: true }, '+85512345678'],
    ['88012345678', { stripPrefix: '77', nationalToE164: true }, '+88012345678'],
    ['012345678', { nationalToE164: false }, '012345678'],
    ['99012345678', { stripPrefix: '99', nationalToE164: false }, '012345678'],
    ['alice', toE164, undefined],
    ['', toE164, undefined],
    ['12', toE164, undefined],
    ['*67012345678', toE164, undefined],
    ['0123+45678', toE164, undefined],
    ['85512345678901234', toE164, undefined],
    ['+1234567890123456', toE164, undefined],
  ];
  for (const [user, normalization, expected] of cases) {
    assert.equal(normalizeInboundNumber(user, normalization, cambodia), expected, `${user} ${JSON.stringify(normalization)}`);
  }
});

test('the national prefix and calling code come from the carrier', () => {
  assert.equal(normalizeInboundNumber('14155550100', toE164, nanp), '+14155550100');
  assert.equal(normalizeInboundNumber('0612345678', toE164, { callingCode: '33', nationalPrefix: '0' }), '+33612345678');
  // A carrier whose country libphonenumber does not know: digits can only be taken as international,
  // and no country code starts with 0.
  const unknown = { callingCode: '', nationalPrefix: '' };
  assert.equal(normalizeInboundNumber('4915112345678', toE164, unknown), '+4915112345678');
  assert.equal(normalizeInboundNumber('012345678', toE164, unknown), undefined);
  assert.equal(normalizeInboundNumber('+012345678', toE164, cambodia), undefined);
});

test('numbers a webhook dials are E.164, national of the carrier\'s country, or short codes', () => {
  const cases: Array<[string, string | undefined]> = [
    ['+85512345678', '+85512345678'],
    [' 012 345 678 ', '+85512345678'],
    ['85512345678', '+85512345678'],
    ['1294', '1294'],
    ['sip:alice@example.com', undefined],
    ['client:alice', undefined],
  ];
  for (const [dialed, expected] of cases) assert.equal(normalizeDialedNumber(dialed, cambodia), expected, dialed);
});
