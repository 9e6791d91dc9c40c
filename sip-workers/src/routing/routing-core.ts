// The carrier-wide tables of shard 0, compiled for lookups: trunks by source address and by route
// prefix, SIP domains by name. Built once per generation (and reused while shard 0 is unchanged).
import { parsePrefix, type Prefix } from '../../../api/routing/cidr.ts';
import type { CarrierRoute, InboundTrunkRoute, OutboundTrunkRoute, RoutingShard, SipDomainRoute } from '../../../api/routing/schema.ts';
import { CidrMatcher } from './cidr-matcher.ts';
import { OutboundPrefixIndex } from './outbound-prefix-index.ts';
import { RoutingFormatError } from './routing-format-error.ts';

export type CoreTables = NonNullable<RoutingShard['core']>;

export interface RoutingCore {
  readonly carrier: CarrierRoute;
  readonly inbound: CidrMatcher<InboundTrunkRoute>;
  readonly outbound: OutboundPrefixIndex;
  readonly outboundTrunks: ReadonlyMap<string, OutboundTrunkRoute>;
  /** By domainKey(domain). */
  readonly sipDomains: ReadonlyMap<string, SipDomainRoute>;
  /** By Account name: where a <Dial><Client> of that account looks for the registered user. */
  readonly sipDomainsByAccount: ReadonlyMap<string, readonly SipDomainRoute[]>;
}

/** DNS names compare case-insensitively, and "example.com." is "example.com". */
export function domainKey(fqdn: string): string {
  const lower = fqdn.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

function inboundPrefixes(trunks: readonly InboundTrunkRoute[]): [Prefix, InboundTrunkRoute][] {
  return trunks.flatMap((trunk) =>
    trunk.sourceCIDRs.map((cidr): [Prefix, InboundTrunkRoute] => {
      const prefix = parsePrefix(cidr);
      if (!prefix) throw new RoutingFormatError(`inboundTrunks["${trunk.name}"]: "${cidr}" is not an address or CIDR`);
      return [prefix, trunk];
    }),
  );
}

/** Where a name appears twice, the first entry wins, as the operator lists the oldest object first. */
function firstByKey<T>(entries: readonly T[], key: (entry: T) => string): Map<string, T> {
  const map = new Map<string, T>();
  for (const entry of entries) if (!map.has(key(entry))) map.set(key(entry), entry);
  return map;
}

function byAccount(domains: ReadonlyMap<string, SipDomainRoute>): Map<string, SipDomainRoute[]> {
  const map = new Map<string, SipDomainRoute[]>();
  for (const domain of domains.values()) {
    const list = map.get(domain.account);
    if (list) list.push(domain);
    else map.set(domain.account, [domain]);
  }
  return map;
}

export function compileCore(core: CoreTables): RoutingCore {
  const sipDomains = firstByKey(core.sipDomains, (domain) => domainKey(domain.domain));
  return {
    carrier: core.carrier,
    inbound: new CidrMatcher(inboundPrefixes(core.inboundTrunks)),
    outbound: new OutboundPrefixIndex(core.outboundTrunks),
    outboundTrunks: firstByKey(core.outboundTrunks, (trunk) => trunk.name),
    sipDomains,
    sipDomainsByAccount: byAccount(sipDomains),
  };
}
