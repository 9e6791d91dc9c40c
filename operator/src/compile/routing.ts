// Turns one carrier's routable objects into shards, the worker Secret and the manifest that binds
// them into a generation. Shard sizes stay well under the 1 MiB object limit.
import { createHash } from 'node:crypto';
import {
  manifestKey, routingFormat, secretsKey, shardKey,
  type AccountRoute, type CarrierRoute, type InboundTrunkRoute, type NumberRoute, type OutboundTrunkRoute, type RoutingManifest, type RoutingShard, type SipDomainRoute, type WorkerSecrets,
} from '../../../api/routing/schema.ts';
import type { DesiredObject } from './desired.ts';
import { labelsFor, names } from './names.ts';
import { controllerReference } from './owner.ts';
import type { CarrierObject } from './observed.ts';

export interface CarrierTables {
  carrier: CarrierRoute;
  accounts: Map<string, AccountRoute>;
  inboundTrunks: InboundTrunkRoute[];
  outboundTrunks: OutboundTrunkRoute[];
  sipDomains: SipDomainRoute[];
  numbers: Map<string, NumberRoute>;
  secrets: WorkerSecrets;
}

export interface CompiledRouting {
  generation: string;
  shards: DesiredObject[];
  workerSecret: DesiredObject;
  manifest: DesiredObject;
  largestShardBytes: number;
}

/** A shard's JSON is kept below this; the API server's limit for the whole object is 1 MiB. */
export const shardBudgetBytes = 700 * 1024;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Sorted-key records, so equal tables always serialise to equal bytes and equal hashes. */
const sortedRecord = <V>(map: Map<string, V>) => Object.fromEntries([...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Which shard holds a number or account: workers and tools find an entry without reading every shard. */
export const shardIndex = (key: string, shardCount: number) => fnv1a(key) % shardCount;

function buildShards(carrierName: string, tables: CarrierTables, count: number): RoutingShard[] {
  const accountBuckets = Array.from({ length: count }, () => new Map<string, AccountRoute>());
  const numberBuckets = Array.from({ length: count }, () => new Map<string, NumberRoute>());
  for (const [name, route] of tables.accounts) accountBuckets[shardIndex(name, count)]?.set(name, route);
  for (const [number, route] of tables.numbers) numberBuckets[shardIndex(number, count)]?.set(number, route);
  return Array.from({ length: count }, (_, index) => ({
    format: routingFormat,
    carrier: carrierName,
    index,
    ...(index === 0 ? { core: { carrier: tables.carrier, inboundTrunks: tables.inboundTrunks, outboundTrunks: tables.outboundTrunks, sipDomains: tables.sipDomains } } : {}),
    accounts: sortedRecord(accountBuckets[index] ?? new Map<string, AccountRoute>()),
    numbers: sortedRecord(numberBuckets[index] ?? new Map<string, NumberRoute>()),
  }));
}

/** The fewest power-of-two shards whose every member fits the budget; powers of two keep rehashing rare. */
function shardTexts(carrierName: string, tables: CarrierTables): string[] {
  const estimate = JSON.stringify([...tables.numbers]).length + JSON.stringify([...tables.accounts]).length;
  let count = 1;
  while (count * shardBudgetBytes < estimate * 1.1) count *= 2;
  for (;;) {
    const texts = buildShards(carrierName, tables, count).map((shard) => JSON.stringify(shard));
    if (texts.every((text) => Buffer.byteLength(text) <= shardBudgetBytes) || count >= 4096) return texts;
    count *= 2;
  }
}

export function compileRouting(carrier: CarrierObject, tables: CarrierTables, inheritedLabels: Record<string, string>): CompiledRouting {
  const { name, namespace } = carrier.metadata;
  const ownerReferences = [controllerReference('Carrier', carrier.metadata)];
  const metadata = (objectName: string, component: 'routing' | 'credentials') => ({ name: objectName, namespace, labels: labelsFor(name, component, inheritedLabels), ownerReferences });

  const texts = shardTexts(name, tables);
  const secretsText = JSON.stringify({ ...tables.secrets, authTokens: sortedRecord(new Map(Object.entries(tables.secrets.authTokens))) });
  const shardRefs = texts.map((text, index) => ({ name: names.routingShard(name, index), sha256: sha256(text) }));
  const secretsRef = { name: names.workerSecrets(name), sha256: sha256(secretsText) };
  const generation = sha256(JSON.stringify([shardRefs, secretsRef])).slice(0, 16);
  const manifest: RoutingManifest = { format: routingFormat, carrier: name, generation, shards: shardRefs, secrets: secretsRef };

  return {
    generation,
    largestShardBytes: Math.max(...texts.map((text) => Buffer.byteLength(text))),
    shards: texts.map((text, index) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(names.routingShard(name, index), 'routing'), data: { [shardKey]: text } })),
    workerSecret: { apiVersion: 'v1', kind: 'Secret', metadata: metadata(names.workerSecrets(name), 'credentials'), type: 'Opaque', data: { [secretsKey]: Buffer.from(secretsText).toString('base64') } },
    manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(names.routingManifest(name), 'routing'), data: { [manifestKey]: JSON.stringify(manifest, null, 1) } },
  };
}
