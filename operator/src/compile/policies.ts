// Each policy answers one question about one object and returns a Finding (reason + message a
// carrier engineer can act on) or nothing. compile.ts chains them into conditions.
import { parsePrefix, prefixesOverlap, type Prefix } from '../../../api/routing/cidr.ts';
import type { Finding } from './conditions.ts';
import { objectKey, type AccountObject, type CarrierObject, type Metadata, type ObservedSecret } from './observed.ts';

export interface Index {
  carriers: Map<string, CarrierObject>;
  accounts: Map<string, AccountObject>;
  secrets: ReadonlyMap<string, ObservedSecret>;
}

const describe = (kind: string, metadata: Metadata) => `${kind} ${objectKey(metadata)}`;

export function carrierMissing(index: Index, namespace: string, carrierName: string): Finding | undefined {
  if (index.carriers.has(`${namespace}/${carrierName}`)) return undefined;
  return { reason: 'CarrierNotFound', message: `Carrier ${namespace}/${carrierName} does not exist; the object stays out of routing until it does.` };
}

export function accountUnusable(index: Index, namespace: string, carrierName: string, accountName: string | undefined): Finding | undefined {
  if (accountName === undefined) return undefined;
  const account = index.accounts.get(`${namespace}/${accountName}`);
  if (!account) return { reason: 'AccountNotFound', message: `Account ${namespace}/${accountName} does not exist.` };
  if (account.spec.carrierRef.name !== carrierName) {
    return { reason: 'AccountCarrierMismatch', message: `Account ${namespace}/${accountName} belongs to Carrier ${account.spec.carrierRef.name}, not ${carrierName}.` };
  }
  return undefined;
}

export function secretKeyMissing(index: Index, namespace: string, ref: { name: string; key: string }, purpose: string): Finding | undefined {
  const secret = index.secrets.get(`${namespace}/${ref.name}`);
  if (!secret) return { reason: 'SecretNotFound', message: `Secret ${namespace}/${ref.name} (${purpose}) does not exist.` };
  if (secret.data[ref.key] === undefined) return { reason: 'SecretKeyNotFound', message: `Secret ${namespace}/${ref.name} has no key "${ref.key}" (${purpose}).` };
  return undefined;
}

export function sipDomainBaseMissing(carrier: CarrierObject): Finding | undefined {
  if (carrier.spec.sipDomainBase) return undefined;
  return { reason: 'NoSipDomainBase', message: `Carrier ${objectKey(carrier.metadata)} sets no spec.sipDomainBase, so SIP domains have no address.` };
}

/** First come, first served: the oldest claimant of a key keeps it; later ones are told who has it. */
export class Claims<Owner extends { metadata: Metadata }> {
  private readonly owners = new Map<string, Owner>();
  private readonly kind: string;
  private readonly what: string;

  constructor(kind: string, what: string) {
    this.kind = kind;
    this.what = what;
  }

  claim(key: string, claimant: Owner, shownKey = key): Finding | undefined {
    const owner = this.owners.get(key);
    if (!owner) {
      this.owners.set(key, claimant);
      return undefined;
    }
    return {
      reason: `Duplicate${this.what.replace(/(^|\s)(\w)/g, (_, _s: string, c: string) => c.toUpperCase())}`,
      message: `${this.what} ${shownKey} is already used by ${describe(this.kind, owner.metadata)}, which is older; this object stays out of routing until that is resolved.`,
    };
  }
}

/** Inbound trunks may not overlap: a source IP must name exactly one trunk, on any carrier. */
export class SourcePrefixClaims {
  private readonly claimed: Array<{ prefix: Prefix; owner: Metadata; carrier: string }> = [];

  claim(sources: string[], owner: Metadata, carrier: string): { finding?: Finding; prefixes: Prefix[] } {
    const prefixes = sources.map((source) => parsePrefix(source)).filter((prefix): prefix is Prefix => prefix !== undefined);
    for (const prefix of prefixes) {
      const clash = this.claimed.find((entry) => prefixesOverlap(entry.prefix, prefix));
      if (clash) {
        return {
          prefixes,
          finding: {
            reason: 'OverlappingSourceIPs',
            message: `source ${prefix.text} overlaps ${clash.prefix.text} of ${describe('InboundTrunk', clash.owner)} (Carrier ${clash.carrier}), which is older; calls from there could not be told apart, so this trunk stays out of routing.`,
          },
        };
      }
    }
    for (const prefix of prefixes) this.claimed.push({ prefix, owner, carrier });
    return { prefixes };
  }
}
