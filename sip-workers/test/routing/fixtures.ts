// Routing generations for the routing tests, written by the operator's own CarrierRouting, so
// the worker reads exactly the texts the operator would put in the ConfigMaps and the Secret.
import { manifestKey, secretsKey, type AccountRoute, type InboundTrunkRoute, type NumberRoute, type OutboundTrunkRoute, type RoutingManifest, type SipDomainRoute, type WorkerSecrets } from '../../../api/routing/schema.ts';
import { shardText, type ShardPayload } from '../../../api/routing/shard-data.ts';
import { CarrierRouting, type CarrierTables, type CompiledRouting } from '../../../operator/src/compile/routing.ts';
import type { DesiredObject } from '../../../operator/src/compile/desired.ts';
import type { CarrierObject } from '../../../operator/src/compile/observed.ts';
import { sha256Hex } from '../../src/routing/checksum-cache.ts';
import type { GenerationTexts } from '../../src/routing/generation-assembler.ts';

export const carrierName = 'mekong';

export const carrierObject = (name = carrierName, namespace = 'telco'): CarrierObject =>
  ({ metadata: { name, namespace, uid: `uid-${name}`, creationTimestamp: '2026-01-01T00:00:00Z' }, spec: {} }) as unknown as CarrierObject;

export const inbound = (name: string, sourceCIDRs: string[], enabled = true): InboundTrunkRoute =>
  ({ name, enabled, sourceCIDRs, account: 'kampot', normalization: { nationalToE164: true } });

export const outbound = (name: string, routePrefixes: string[], enabled = true): OutboundTrunkRoute => ({
  name, enabled, host: `${name}.example.net`, port: 5060, transport: 'udp',
  dialString: { plusPrefix: true, prefix: '', nationalDialing: false, nationalPrefix: '0' },
  routePrefixes, priority: 10, weight: 100, stopFailoverCodes: [], hasCredentials: false,
});

export const sipDomain = (name: string, domain: string): SipDomainRoute => ({
  name, domain, enabled: true, account: 'kampot', acl: [], authentication: 'aclOrDigest', forwardCustomHeaders: false, usernames: ['alice'],
});

export const voice = (url: string) => ({ url, method: 'POST' as const });

export interface TableParts {
  inboundTrunks?: InboundTrunkRoute[];
  outboundTrunks?: OutboundTrunkRoute[];
  sipDomains?: SipDomainRoute[];
  accounts?: Record<string, AccountRoute>;
  numbers?: Record<string, NumberRoute>;
  secrets?: Partial<WorkerSecrets>;
}

export function carrierTables(parts: TableParts = {}): CarrierTables {
  return {
    carrier: { name: carrierName, country: 'KH', callingCode: '855', nationalPrefix: '0', webhooks: { timeoutSeconds: 5, signatureHeader: 'X-Twilio-Signature' }, mediaRelay: { enabled: false, symmetricLatching: true } },
    accounts: new Map(Object.entries(parts.accounts ?? { kampot: { sid: 'AC01', enabled: true, voice: voice('https://kampot.example/voice') } })),
    inboundTrunks: parts.inboundTrunks ?? [],
    outboundTrunks: parts.outboundTrunks ?? [],
    sipDomains: parts.sipDomains ?? [],
    secrets: { format: 'switchyard.routing/v1', authTokens: {}, outboundTrunks: {}, sipDomains: {}, ...parts.secrets },
  };
}

/** What the operator writes for these tables, as a fresh operator would. */
export function compile(parts: TableParts = {}, carrier = carrierName): CompiledRouting {
  return compileNumbers(carrierTables(parts), new Map(Object.entries(parts.numbers ?? {})), carrier);
}

export function compileNumbers(tables: CarrierTables, numbers: ReadonlyMap<string, NumberRoute>, carrier = carrierName): CompiledRouting {
  const routing = new CarrierRouting();
  routing.sync(numbers, 'all');
  return routing.compile(carrierObject(carrier), tables, {});
}

/** The texts a worker reads from what the operator would write. */
export function textsOf(compiled: CompiledRouting): GenerationTexts {
  const data = (object: DesiredObject) => (object.data ?? {}) as Record<string, string>;
  return {
    manifest: data(compiled.manifest)[manifestKey] ?? '',
    shards: new Map(compiled.shards.map((shard) => [shard.metadata.name, shardText(shard as ShardPayload) ?? ''])),
    secrets: Buffer.from(data(compiled.workerSecret)[secretsKey] ?? '', 'base64').toString('utf8'),
  };
}

/** `count` numbers +8551000000, +8551000001, ..., every one routed to account kampot. */
export function manyNumbers(count: number, from = 0): Record<string, NumberRoute> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`+8551${String(from + i).padStart(6, '0')}`, { type: 'local', enabled: true, account: 'kampot', voice: voice(`https://kampot.example/voice/${(from + i) % 7}`) } satisfies NumberRoute]));
}

/**
 * The texts with one shard replaced and a manifest that points at the new text (its sha256, a new
 * generation), as if the operator had written it: how a corrupt shard would reach a worker.
 */
export function withShard(texts: GenerationTexts, name: string, text: string, generation = `edited-${sha256Hex(text).slice(0, 8)}`): GenerationTexts {
  const manifest = JSON.parse(texts.manifest) as RoutingManifest;
  const shards = manifest.shards.map((shard) => (shard.name === name ? { ...shard, sha256: sha256Hex(text) } : shard));
  return { manifest: JSON.stringify({ ...manifest, generation, shards }), shards: new Map([...texts.shards, [name, text]]), secrets: texts.secrets };
}

/** How many shards differ between two generations: what an edit makes a worker read and compile again. */
export const changedShardCount = (before: GenerationTexts, after: GenerationTexts) => [...after.shards].filter(([name, text]) => before.shards.get(name) !== text).length;

export const shardNames = (texts: GenerationTexts) => (JSON.parse(texts.manifest) as RoutingManifest).shards.map((shard) => shard.name);
