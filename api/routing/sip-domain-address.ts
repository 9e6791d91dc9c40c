// A SipDomain's address, <name>.sip-<region>.<sipDomainBase>, formed as Vonage's regional domains
// are: the CRD admits the name and region, the operator writes the address into routing state,
// and the workers recognise the shape in a Request-URI whether or not such a domain exists.

/** A domain's name: one DNS label. */
export const sipDomainNamePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A region label: us, eu, ap. */
export const sipDomainRegionPattern = /^[a-z][a-z0-9]*$/;

const withoutTrailingDot = (host: string) => host.replace(/\.$/, '');

export const sipDomainAddress = (name: string, region: string, base: string) => `${name}.sip-${region}.${withoutTrailingDot(base)}`;

/** Whether `host` (any case, a trailing dot allowed) is shaped as a domain address under `base`. */
export function hasSipDomainAddressShape(host: string, base: string): boolean {
  const suffix = `.${withoutTrailingDot(base).toLowerCase()}`;
  const lower = withoutTrailingDot(host.toLowerCase());
  if (!lower.endsWith(suffix)) return false;
  const [name = '', region = '', ...more] = lower.slice(0, -suffix.length).split('.');
  return more.length === 0 && sipDomainNamePattern.test(name) && region.startsWith('sip-') && sipDomainRegionPattern.test(region.slice('sip-'.length));
}
