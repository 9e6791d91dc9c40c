// One routing generation, compiled for lookups. Immutable once built: the store swaps whole tables,
// so a call that read this table keeps a consistent view for as long as it holds it.
import type {
  AccountRoute, CarrierRoute, DigestCredential, InboundTrunkRoute, NumberRoute, OutboundTrunkRoute, SipDomainRoute,
} from '../../../api/routing/schema.ts';
import type { InternPool } from './intern-pool.ts';
import { numberKey, type NumberIndex } from './number-index.ts';
import type { RoutingCore } from './routing-core.ts';
import { domainKey } from './routing-core.ts';
import type { EventWebhook, RoutingView } from './routing-view.ts';
import { placementHash } from './shard-placement.ts';
import type { CompiledShard } from './shard-compiler.ts';
import type { CompiledSecrets } from './worker-secrets.ts';

export interface RoutingTableParts {
  generation: string;
  /** The carrier's object name, as the manifest gives it. */
  carrierName: string;
  /** In manifest order: shards[i].index === i, shards[0] holds the core tables; all compiled into `pool`. */
  shards: readonly CompiledShard[];
  secrets: CompiledSecrets;
  pool: InternPool;
}

export class RoutingTable implements RoutingView {
  readonly generation: string;
  readonly carrierName: string;
  readonly carrier: CarrierRoute;
  readonly shards: readonly CompiledShard[];
  readonly secrets: CompiledSecrets;
  readonly pool: InternPool;
  /** How many numbers the generation routes. */
  readonly numberCount: number;
  private readonly core: RoutingCore;
  private accountsBySid: Map<string, { name: string; route: AccountRoute }> | undefined;
  /** shards[i].numbers, one hop fewer per lookup. */
  private readonly numberIndexes: readonly NumberIndex[];

  constructor(parts: RoutingTableParts) {
    const core = parts.shards[0]?.core;
    if (!core) throw new Error('a routing table needs shard 0 with its core tables');
    this.generation = parts.generation;
    this.carrierName = parts.carrierName;
    this.carrier = core.carrier;
    this.shards = parts.shards;
    this.secrets = parts.secrets;
    this.pool = parts.pool;
    this.core = core;
    this.numberIndexes = parts.shards.map((shard) => shard.numbers);
    this.numberCount = parts.shards.reduce((sum, shard) => sum + shard.numbers.size, 0);
  }

  inboundTrunkFor(address: string): InboundTrunkRoute | undefined {
    return this.core.inbound.match(address);
  }

  number(normalised: string): NumberRoute | undefined {
    const index = this.numberIndexes[placementHash(normalised) % this.numberIndexes.length];
    if (!index) return undefined;
    const key = numberKey(normalised);
    const routeId = key === 0 ? index.routeIdOf(normalised) : index.routeIdOfKey(key);
    return routeId < 0 ? undefined : this.pool.route(routeId);
  }

  account(name: string): AccountRoute | undefined {
    return this.shards[placementHash(name) % this.shards.length]?.accounts.get(name);
  }

  accountBySid(accountSid: string): { name: string; route: AccountRoute } | undefined {
    // Built on first use: only the REST API asks, and accounts are few beside numbers.
    this.accountsBySid ??= new Map(this.shards.flatMap((shard) => [...shard.accounts].map(([name, route]) => [route.sid, { name, route }] as const)));
    return this.accountsBySid.get(accountSid);
  }

  authToken(accountSid: string): string | undefined {
    return this.secrets.authTokens.get(accountSid);
  }

  sipDomain(fqdn: string): SipDomainRoute | undefined {
    return this.core.sipDomains.get(domainKey(fqdn));
  }

  sipDomainsOf(account: string): readonly SipDomainRoute[] {
    return this.core.sipDomainsByAccount.get(account) ?? [];
  }

  sipDomainCredential(fqdn: string, username: string): DigestCredential | undefined {
    return this.secrets.sipDomains.get(domainKey(fqdn))?.get(username);
  }

  outboundTrunkCandidates(e164Digits: string): readonly OutboundTrunkRoute[] {
    return this.core.outbound.candidatesFor(e164Digits);
  }

  outboundTrunk(name: string): OutboundTrunkRoute | undefined {
    return this.core.outboundTrunks.get(name);
  }

  outboundTrunks(): Iterable<OutboundTrunkRoute> {
    return this.core.outboundTrunks.values();
  }

  outboundTrunkCredential(name: string): DigestCredential | undefined {
    return this.secrets.outboundTrunks.get(name);
  }

  eventWebhook(): EventWebhook | undefined {
    const url = this.carrier.eventWebhook?.url;
    const signingSecret = this.secrets.eventWebhookSigningSecret;
    // Both come from one Carrier in one generation; a secret without a URL (or the reverse) is not configured.
    return url === undefined || signingSecret === undefined ? undefined : { url, signingSecret };
  }
}
