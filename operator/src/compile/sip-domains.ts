// A domain's address is unique across every carrier; the oldest SipDomain keeps it.
import type { SipDomainRoute } from '../../../api/routing/schema.ts';
import { sipDomainAddress } from '../../../api/routing/sip-domain-address.ts';
import { credentialUnresolved, resolvedCredential } from './credential-secrets.ts';
import { accountUnusable, carrierMissing, Claims, sipDomainBaseMissing } from './policies.ts';
import { byAge, type ObservedObject } from './observed.ts';
import type { CompileScope } from './scope.ts';
import { optional, webhook } from './values.ts';

export function compileSipDomains(scope: CompileScope): void {
  const domainClaims = new Claims<ObservedObject<unknown>>('SipDomain', 'SIP domain');
  for (const domain of [...scope.observed.sipDomains].sort(byAge)) {
    const { namespace, name } = domain.metadata;
    const carrierName = domain.spec.carrierRef.name;
    const carrier = scope.index.carriers.get(`${namespace}/${carrierName}`);
    const invalid = carrier ? sipDomainBaseMissing(carrier) : undefined;
    const unresolved = carrierMissing(scope.index, namespace, carrierName) ?? accountUnusable(scope.index, namespace, carrierName, domain.spec.accountRef.name)
      ?? domain.spec.credentials.map((credential) => credentialUnresolved(scope.index, namespace, credential, credential.username)).find(Boolean);
    const address = carrier?.spec.sipDomainBase ? sipDomainAddress(domain.spec.name, domain.spec.region, carrier.spec.sipDomainBase) : undefined;
    const conflict = invalid || unresolved || !address ? undefined : domainClaims.claim(address, domain);
    const carrierTables = scope.tablesOf(namespace, carrierName);
    if (!invalid && !unresolved && !conflict && address && carrierTables) {
      const route: SipDomainRoute = {
        name, domain: address, enabled: domain.spec.enabled, account: domain.spec.accountRef.name,
        acl: domain.spec.acl, authentication: domain.spec.authentication, forwardCustomHeaders: domain.spec.forwardCustomHeaders,
        ...optional('voice', webhook(domain.spec.voiceURL, domain.spec.voiceMethod)), ...optional('fallback', webhook(domain.spec.voiceFallbackURL, domain.spec.voiceFallbackMethod)),
        usernames: domain.spec.credentials.map((credential) => credential.username),
      };
      carrierTables.sipDomains.push(route);
      carrierTables.members.sipDomains++;
      carrierTables.secrets.sipDomains[address] = Object.fromEntries(domain.spec.credentials.map((credential) => [
        credential.username, resolvedCredential(scope.observed.secrets, namespace, credential, credential.username, address),
      ]));
    }
    scope.write('SipDomain', domain, { invalid, unresolved, conflict }, `Answers at ${address ?? '?'}.`, { ...optional('domain', address), credentials: domain.spec.credentials.length });
  }
}
