import { getCountryCallingCode, isSupportedCountry, Metadata, type CountryCode } from 'libphonenumber-js/core';
import metadata from 'libphonenumber-js/metadata.min.json';

const numberingPlans = new Metadata(metadata);

/** The calling code and national (trunk) prefix of an ISO 3166-1 alpha-2 country, from libphonenumber. */
export function countryNumbering(country: string): { callingCode: string; nationalPrefix: string } {
  const code = country as CountryCode;
  if (!isSupportedCountry(code, metadata)) return { callingCode: '', nationalPrefix: '' };
  numberingPlans.selectNumberingPlan(code);
  // nationalPrefix() exists at run time but is missing from libphonenumber-js's type declarations.
  const plan = numberingPlans.numberingPlan as unknown as { nationalPrefix(): unknown } | undefined;
  const nationalPrefix = plan?.nationalPrefix();
  return { callingCode: getCountryCallingCode(code, metadata), nationalPrefix: typeof nationalPrefix === 'string' ? nationalPrefix : '' };
}
