// Called numbers as the routing tables key them: E.164 with "+", or a short code. Used for the
// Request-URI user part of calls from an InboundTrunk (strip, then add, then national → E.164)
// and for the numbers a webhook dials in <Dial><Number>.
import type { CarrierRoute, InboundTrunkRoute } from '../../../../api/routing/schema.ts';
import { shortCodePattern } from '../../../../api/v1alpha1/number-format.ts';

export type NumberNormalization = InboundTrunkRoute['normalization'];
export type CarrierNumbering = Pick<CarrierRoute, 'callingCode' | 'nationalPrefix'>;

/** The longest number E.164 allows; nothing longer is a number we could route. */
const MAX_DIGITS = 15;
// Visual separators of RFC 3966 and of how people write numbers: "+855 (12) 345-678", "012.345.678".
const VISUAL_SEPARATORS = /[\s\-.()]/g;
const DIALABLE = /^(\+?)([0-9]+)$/;

function readNumber(text: string): { plus: boolean; digits: string } | undefined {
  // Parameters (";phone-context=…", ";isub=…") are not part of the number.
  const semicolon = text.indexOf(';');
  const bare = (semicolon < 0 ? text : text.slice(0, semicolon)).replace(VISUAL_SEPARATORS, '');
  const match = DIALABLE.exec(bare);
  if (!match) return undefined;
  return { plus: match[1] === '+', digits: match[2] ?? '' };
}

// No country code starts with 0, so "+0…" is never a number (it is what a national number of an
// unknown country would turn into).
const e164 = (digits: string): string | undefined => (digits.length <= MAX_DIGITS && !digits.startsWith('0') ? `+${digits}` : undefined);

/**
 * 3–8 digits are a short code (as the PhoneNumber schema says) and stay as they are. A number starting with the national prefix
 * is national: the prefix becomes the country code. Any other digits already carry a country
 * code (E.164 country codes never start with the "0" most countries use as national prefix).
 */
function toE164(digits: string, carrier: CarrierNumbering): string | undefined {
  if (shortCodePattern.test(digits)) return digits;
  if (digits.length < 3) return undefined;
  const { callingCode, nationalPrefix } = carrier;
  const national = nationalPrefix !== '' && callingCode !== '' && digits.startsWith(nationalPrefix);
  const international = national ? `${callingCode}${digits.slice(nationalPrefix.length)}` : digits;
  return e164(international);
}

/**
 * The number a Request-URI user part from an InboundTrunk calls, or undefined when it is not a
 * number. A "+" number is E.164 already and is taken as it is; digits go through the trunk's
 * strip, add and national-to-E.164 steps in that order.
 */
export function normalizeInboundNumber(userPart: string, normalization: NumberNormalization, carrier: CarrierNumbering): string | undefined {
  const number = readNumber(userPart);
  if (!number) return undefined;
  if (number.plus) return e164(number.digits);
  let digits = number.digits;
  const { stripPrefix, addPrefix } = normalization;
  if (stripPrefix && digits.startsWith(stripPrefix)) digits = digits.slice(stripPrefix.length);
  if (addPrefix) digits = `${addPrefix}${digits}`;
  if (!normalization.nationalToE164) return digits !== '' && digits.length <= MAX_DIGITS ? digits : undefined;
  return toE164(digits, carrier);
}

/** A number a webhook dials (<Dial><Number>): E.164, national in the carrier's country, or a short code. */
export function normalizeDialedNumber(text: string, carrier: CarrierNumbering): string | undefined {
  return normalizeInboundNumber(text.trim(), { nationalToE164: true }, carrier);
}
