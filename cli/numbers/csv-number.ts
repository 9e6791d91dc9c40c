// A Somleng CSV's Number column → the number a PhoneNumber's spec.number holds. Somleng writes
// E.164 numbers without their "+" (85512345678) next to short codes (1234); the API server admits
// "+" E.164 or a short code of 3 to 8 digits (api/v1alpha1 numberPattern, the same rule as the
// CRD's CEL). So digits alone of 3 to 8 are a short code, 9 to 15 an E.164 number that gets its
// "+"; a shorter E.164 number must be written with its "+".
import { numberPattern } from '../../api/v1alpha1/phone-number.ts';

export type CsvNumber = { number: string; shortCode: boolean } | { problem: string };

const admissionRule = 'an E.164 number (85512345678 or +85512345678: country code first, at most 15 digits) or a short code of 3 to 8 digits';

export function csvNumber(cell: string): CsvNumber {
  const text = cell.trim();
  if (text === '') return { problem: 'Number is empty' };
  let number: string;
  if (/^\+\d+$/.test(text)) number = text;
  else if (/^\d{3,8}$/.test(text)) number = text;
  else if (/^\d{9,}$/.test(text)) {
    if (text.startsWith('0')) return { problem: `Number "${text}" starts with 0: it is neither ${admissionRule} (no country code starts with 0)` };
    number = `+${text}`;
  } else if (/^\d*$/.test(text)) return { problem: `Number "${text}" is not ${admissionRule}` };
  else return { problem: `Number "${text}" is not ${admissionRule}: only digits and a leading "+" are allowed` };
  if (!numberPattern.test(number)) return { problem: `Number "${text}" is not ${admissionRule}` };
  return { number, shortCode: !number.startsWith('+') };
}

/** Names as examples/05-phone-numbers.yaml spells them: pn-85523900100 for +85523900100, pn-1294 for 1294. */
export const phoneNumberName = (number: string) => `pn-${number.replace(/^\+/, '')}`;

export type CsvEnabled = { enabled: boolean } | { problem: string };

/** "true" or "false" in any case; empty (or no Enabled column) means true, as in Somleng. */
export function csvEnabled(cell: string | undefined): CsvEnabled {
  const text = (cell ?? '').trim().toLowerCase();
  if (text === '' || text === 'true') return { enabled: true };
  if (text === 'false') return { enabled: false };
  return { problem: `Enabled must be true or false, not "${(cell ?? '').trim()}"` };
}
