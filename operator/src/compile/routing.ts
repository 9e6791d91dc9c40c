// Turns one carrier's routable objects into shards, the worker Secret and the manifest that binds
// them into a generation. Shard sizes stay well under the 1 MiB object limit.
//
// A CarrierRouting lives from pass to pass: numbers are kept in their shard's bucket, the routes
// they share in a dictionary (route-dictionary.ts), and a shard is serialised (and hashed) again
// only when one of its numbers, shared routes or accounts, or the core tables of shard 0, changed.
// The output is exactly what a fresh CarrierRouting would produce from the same tables: an edit
// to one number rewrites its shard (and at most two more) and the manifest, not 100,000 numbers.
import { createHash } from 'node:crypto';
import {
  manifestKey, routingFormat, secretsKey,
  type AccountRoute, type CarrierRoute, type InboundTrunkRoute, type NumberRoute, type OutboundTrunkRoute, type RoutingManifest, type RoutingShard, type SipDomainRoute, type WorkerSecrets,
} from '../../../api/routing/schema.ts';
import { shardBinaryData } from '../../../api/routing/shard-data.ts';
import type { DesiredObject } from './desired.ts';
import { RouteDictionary, type DictionaryChange } from './route-dictionary.ts';
import { labelsFor, names } from './names.ts';
import { controllerReference } from './owner.ts';
import type { CarrierObject } from './observed.ts';

/** A carrier's tables apart from its numbers, rebuilt every pass (they are small). */
export interface CarrierTables {
  carrier: CarrierRoute;
  accounts: Map<string, AccountRoute>;
  inboundTrunks: InboundTrunkRoute[];
  outboundTrunks: OutboundTrunkRoute[];
  sipDomains: SipDomainRoute[];
  secrets: WorkerSecrets;
}

export interface CompiledRouting {
  generation: string;
  shards: DesiredObject[];
  workerSecret: DesiredObject;
  manifest: DesiredObject;
  largestShardBytes: number;
}

/**
 * A shard's JSON is kept below this. The API server's limit for the whole object is 1 MiB, but an
 * edit to one number rewrites its whole shard (and workers fetch it again), and the API server
 * spends ~1 ms plus ~0.06 ms per KiB on each ConfigMap write: at 100,000 numbers and 100 edits a
 * second, shards of ~15 KB (512 of them) cost it ~0.2 cores where 700 KiB shards (~10 rewritten
 * per pass) cost more than it has. The JSON is stored gzip'd (shard-data.ts), a fifth or less of
 * it, so the per-write ~1 ms is most of a shard's cost and the budget stays on the JSON: a shard
 * worker-side is compiled as text, and a bigger one would cost each edit more there.
 */
export const shardBudgetBytes = 24 * 1024;

/**
 * Shards are sized for the estimate to fill them to two thirds on average, so that hashing's
 * unevenness never pushes one over the budget (with 10% to spare, one of 256 shards did, and
 * the count doubled after every pass had first tried the estimate's).
 */
const shardFill = 2 / 3;

/** Numbers whose route changed since the last pass, or every number. */
export type ChangedNumbers = ReadonlySet<string> | 'all';

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
const sortedRecord = <V>(map: ReadonlyMap<string, V>) => Object.fromEntries([...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Which shard holds a number or account: workers and tools find an entry without reading every shard. */
export const shardIndex = (key: string, shardCount: number) => fnv1a(key) % shardCount;

/** The length of one `"number":…,` in a shard's numbers record, its route aside (RouteDictionary.bytes has those). */
const entryLength = (number: string) => JSON.stringify(number).length + 2;

/**
 * At most this many shards: each is a name in the workers' Role and a read when it changes, and
 * past it shards grow beyond the budget instead (gzip'd, still far under 1 MiB).
 */
export const maxShardCount = 4096;

/** The fewest power-of-two shards the estimated size fits at shardFill, up to maxShardCount; powers of two keep rehashing rare. */
export function shardCountFor(estimatedBytes: number): number {
  let count = 1;
  while (count < maxShardCount && count * shardBudgetBytes * shardFill < estimatedBytes) count *= 2;
  return count;
}

interface Shard {
  text: string;
  bytes: number;
  sha256: string;
  object: DesiredObject;
}

export class CarrierRouting {
  /** Per shard: number → its route's JSON text. */
  private buckets: Array<Map<string, string>> = [];
  /** Per shard: the dictionary's routes whose keys hash to it. */
  private routeBuckets: Array<Map<string, NumberRoute>> = [];
  private readonly dictionary: RouteDictionary;
  /** Σ entryLength over every number, kept as numbers change. */
  private numbersLength = 0;
  /**
   * Number → route text from a full sync, until bucketNumbers files them. Empty before the first
   * sync, so that one is full whatever it is told.
   */
  private unfiled: Map<string, string> | undefined = new Map();
  private readonly dirty = new Set<number>();
  private shards: Array<Shard | undefined> = [];
  private accountTexts: string[] = [];
  private coreText = '';
  private metadataKey = '';

  /** `keyOf` names a route by its text; tests pass one that collides. */
  constructor(keyOf?: (text: string) => string) {
    this.dictionary = new RouteDictionary(keyOf);
  }

  /** Takes this pass's numbers; only `changed` ones are looked at unless it is 'all'. */
  sync(numbers: ReadonlyMap<string, NumberRoute>, changed: ChangedNumbers): void {
    if (changed === 'all' || this.unfiled) {
      this.numbersLength = 0;
      this.dictionary.clear();
      const unfiled = new Map<string, string>();
      for (const [number, route] of numbers) {
        const text = JSON.stringify(route);
        unfiled.set(number, text);
        this.numbersLength += entryLength(number);
        this.dictionary.use(text, route, number);
      }
      this.unfiled = unfiled;
      return;
    }
    const count = this.buckets.length;
    for (const number of changed) {
      const index = shardIndex(number, count);
      const bucket = this.buckets[index];
      if (!bucket) continue;
      const before = bucket.get(number);
      const after = numbers.get(number);
      if (before !== undefined) {
        this.numbersLength -= entryLength(number);
        bucket.delete(number);
        this.placeRoute(this.dictionary.release(before, number));
      }
      if (after) {
        const text = JSON.stringify(after);
        bucket.set(number, text);
        this.numbersLength += entryLength(number);
        this.placeRoute(this.dictionary.use(text, after, number));
      }
      this.dirty.add(index);
    }
  }

  /** Files a route that entered the dictionary in its shard's bucket, or drops one that left it; marks the numbers it moved. */
  private placeRoute(change: DictionaryChange): void {
    if (change.collision) {
      this.bucketRoutes();
      return;
    }
    for (const other of change.others ?? []) this.dirty.add(shardIndex(other, this.buckets.length));
    if (change.key === undefined || !change.route) return;
    const index = shardIndex(change.key, this.routeBuckets.length);
    const bucket = this.routeBuckets[index];
    if (!bucket) return;
    if (change.added) bucket.set(change.key, change.route);
    else bucket.delete(change.key);
    this.dirty.add(index);
  }

  /** Files every route in the dictionary afresh; every shard is then rebuilt. */
  private bucketRoutes(): void {
    const count = this.buckets.length;
    this.routeBuckets = Array.from({ length: count }, () => new Map<string, NumberRoute>());
    for (const [key, route] of this.dictionary.entries()) this.routeBuckets[shardIndex(key, count)]?.set(key, route);
    for (let index = 0; index < count; index++) this.dirty.add(index);
  }

  compile(carrier: CarrierObject, tables: CarrierTables, inheritedLabels: Record<string, string>): CompiledRouting {
    const { name, namespace } = carrier.metadata;
    const ownerReferences = [controllerReference('Carrier', carrier.metadata)];
    const metadata = (objectName: string, component: 'routing' | 'credentials') => ({ name: objectName, namespace, labels: labelsFor(name, component, inheritedLabels), ownerReferences });
    const toObject = (index: number, text: string): DesiredObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(names.routingShard(name, index), 'routing'), binaryData: shardBinaryData(text) });
    this.updateShards(name, tables, toObject);
    // New labels (the Carrier's) or a new owner: the same texts in new objects.
    const metadataKey = JSON.stringify(metadata('', 'routing'));
    if (metadataKey !== this.metadataKey) {
      this.metadataKey = metadataKey;
      this.shards = this.shards.map((shard, index) => shard && { ...shard, object: toObject(index, shard.text) });
    }
    const shards = this.shards.filter((shard): shard is Shard => shard !== undefined);
    const secretsText = JSON.stringify({ ...tables.secrets, authTokens: sortedRecord(new Map(Object.entries(tables.secrets.authTokens))) });
    const shardRefs = shards.map((shard, index) => ({ name: names.routingShard(name, index), sha256: shard.sha256 }));
    const secretsRef = { name: names.workerSecrets(name), sha256: sha256(secretsText) };
    const generation = sha256(JSON.stringify([shardRefs, secretsRef])).slice(0, 16);
    const manifest: RoutingManifest = { format: routingFormat, carrier: name, generation, shards: shardRefs, secrets: secretsRef };

    return {
      generation,
      largestShardBytes: Math.max(...shards.map((shard) => shard.bytes)),
      shards: shards.map((shard) => shard.object),
      workerSecret: { apiVersion: 'v1', kind: 'Secret', metadata: metadata(names.workerSecrets(name), 'credentials'), type: 'Opaque', data: { [secretsKey]: Buffer.from(secretsText).toString('base64') } },
      manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(names.routingManifest(name), 'routing'), data: { [manifestKey]: JSON.stringify(manifest, null, 1) } },
    };
  }

  /** Re-serialises the shards that changed; doubles the shard count until every shard fits the budget. */
  private updateShards(carrierName: string, tables: CarrierTables, toObject: (index: number, text: string) => DesiredObject): void {
    const accountsLength = JSON.stringify([...tables.accounts]).length;
    const wanted = shardCountFor(this.numbersLength + this.dictionary.bytes + accountsLength);
    if (this.unfiled || wanted !== this.buckets.length) this.bucketNumbers(wanted);
    const core = { carrier: tables.carrier, inboundTrunks: tables.inboundTrunks, outboundTrunks: tables.outboundTrunks, sipDomains: tables.sipDomains };
    const coreText = JSON.stringify(core);
    if (coreText !== this.coreText) {
      this.coreText = coreText;
      this.dirty.add(0);
    }
    for (;;) {
      const count = this.buckets.length;
      const accountBuckets = Array.from({ length: count }, () => new Map<string, AccountRoute>());
      for (const [account, route] of tables.accounts) accountBuckets[shardIndex(account, count)]?.set(account, route);
      accountBuckets.forEach((bucket, index) => {
        const text = JSON.stringify(sortedRecord(bucket));
        if (text !== this.accountTexts[index]) {
          this.accountTexts[index] = text;
          this.dirty.add(index);
        }
      });
      for (const index of this.dirty) {
        const shard: RoutingShard = {
          format: routingFormat, carrier: carrierName, index, ...(index === 0 ? { core } : {}),
          accounts: sortedRecord(accountBuckets[index] ?? new Map<string, AccountRoute>()),
          routes: sortedRecord(this.routeBuckets[index] ?? new Map<string, NumberRoute>()),
          numbers: sortedRecord(this.numberEntries(this.buckets[index])),
        };
        const text = JSON.stringify(shard);
        if (text === this.shards[index]?.text) continue;
        this.shards[index] = { text, bytes: Buffer.byteLength(text), sha256: sha256(text), object: toObject(index, text) };
      }
      this.dirty.clear();
      const fits = this.shards.every((shard) => shard === undefined || shard.bytes <= shardBudgetBytes);
      if (fits || count >= maxShardCount) return;
      this.bucketNumbers(count * 2);
    }
  }

  /** A shard's numbers as written: each with its route's key, or its route where the key is unusable. */
  private numberEntries(bucket: ReadonlyMap<string, string> | undefined): Map<string, string | NumberRoute> {
    const entries = new Map<string, string | NumberRoute>();
    for (const [number, text] of bucket ?? []) {
      const value = this.dictionary.keyFor(text) ?? this.dictionary.routeOf(text);
      if (value !== undefined) entries.set(number, value);
    }
    return entries;
  }

  /** Spreads every number and route over `count` buckets afresh; every shard is then rebuilt. */
  private bucketNumbers(count: number): void {
    const texts = this.unfiled ?? this.buckets.flatMap((bucket) => [...bucket]);
    this.unfiled = undefined;
    this.buckets = Array.from({ length: count }, () => new Map<string, string>());
    for (const [number, text] of texts) this.buckets[shardIndex(number, count)]?.set(number, text);
    this.bucketRoutes();
    this.shards = this.shards.slice(0, count);
    this.shards.length = count;
    this.accountTexts = [];
    // Indexes marked under the old count mean nothing under the new one: every shard is rebuilt.
    this.dirty.clear();
    for (let index = 0; index < count; index++) this.dirty.add(index);
  }
}
