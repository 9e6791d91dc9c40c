// Routing from the Kubernetes API (not a mounted volume, which the kubelet refreshes only every
// minute or so). The carrier's manifest ConfigMap is watched; whenever it changes, each object it
// names (shard ConfigMaps, the worker Secret) whose cached text does not have the checksum the
// manifest gives is read again with a GET, and the texts go to the store, which assembles and
// swaps. The worker's Role allows get/list/watch on exactly these names.
//
// Why shards are read rather than each watched: a carrier has up to 4096 shards, and a watch per
// shard would hold 4,000 connections per worker to follow objects that only ever change together
// with the manifest. The operator writes shards before the manifest, so by the time a manifest
// arrives the GETs see the shards it names. An object that still does not match (written out of
// order, or tampered with) is read again with backoff until it does or the manifest moves on.
import { ApiError, type ApiClient } from '../../../api/kube/client.ts';
import { objectPathOf } from '../../../api/kube/paths.ts';
import { ShardEncodingError } from '../../../api/routing/shard-data.ts';
import { ChecksumCache } from './checksum-cache.ts';
import type { GenerationTexts } from './generation-assembler.ts';
import { watchObject, type Backoff } from './object-watch.ts';
import { silentLogger, type RoutingLogger } from './routing-logger.ts';
import { manifestName, manifestReferences, routingText, type ObjectReference, type RoutingObject } from './routing-objects.ts';
import type { RoutingStore } from './routing-store.ts';

export interface KubeSourceOptions {
  /** The API as this worker reaches it (the pod's service account in a cluster). */
  client: ApiClient;
  namespace: string;
  carrier: string;
  store: RoutingStore;
  logger?: RoutingLogger;
  /** Retry pacing after API errors and for objects that do not match the manifest yet. */
  backoff?: Partial<Backoff>;
  /** GETs in flight at once when many shards changed (or at start). */
  concurrentReads?: number;
  /** How long one watch request of the manifest lasts before it is renewed (seconds). */
  watchSeconds?: number;
}

export interface KubeSourceStatus {
  /** Objects held (the manifest's shards and Secret). */
  objects: number;
  /** GETs of shards and Secrets so far. */
  reads: number;
}

export interface KubeRoutingSource {
  status(): KubeSourceStatus;
  stop(): void;
}

async function inBatches<T>(items: readonly T[], size: number, each: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      if (item !== undefined) await each(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}

export function startKubeRoutingSource(options: KubeSourceOptions): KubeRoutingSource {
  const { client, namespace, carrier, store } = options;
  const log = options.logger ?? silentLogger;
  const backoff: Backoff = { initialMs: options.backoff?.initialMs ?? 500, maxMs: options.backoff?.maxMs ?? 30_000 };
  const checksums = new ChecksumCache();
  /** The manifest's objects, by name: the texts the last reads returned. */
  const texts = new Map<string, string>();
  let manifestText: string | undefined;
  let syncing = false;
  let again = false;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let retryDelay = backoff.initialMs;
  let reads = 0;

  const read = async (ref: ObjectReference): Promise<void> => {
    reads++;
    try {
      const { name } = ref;
      const collection = ref.kind === 'Secret' ? 'secrets' : 'configmaps';
      const object = await client.request<{ data?: Record<string, string>; binaryData?: Record<string, string> }>('GET', objectPathOf('v1', collection, namespace, name));
      const text = routingText({ kind: ref.kind, data: object.data ?? {}, ...(ref.kind === 'ConfigMap' && object.binaryData ? { binaryData: object.binaryData } : {}) });
      if (text === undefined) texts.delete(name);
      else texts.set(name, text);
    } catch (error) {
      if (error instanceof ShardEncodingError) {
        // Read again on the next manifest or retry; meanwhile the last good generation serves.
        log.warn({ shard: ref.name, err: error }, 'routing shard is unreadable');
        texts.delete(ref.name);
        return;
      }
      if (!(error instanceof ApiError && error.status === 404)) throw error;
      texts.delete(ref.name);
    }
  };

  const matches = (ref: ObjectReference) => {
    const text = texts.get(ref.name);
    return text !== undefined && checksums.digest(ref.name, text) === ref.sha256;
  };

  /** Reads what the manifest names and does not match yet, then submits; true when everything matched. */
  const syncOnce = async (manifest: string): Promise<boolean> => {
    const references = manifestReferences(manifest);
    const names = new Set(references.map((ref) => ref.name));
    for (const name of texts.keys()) if (!names.has(name)) texts.delete(name);
    checksums.retain(names);
    await inBatches(references.filter((ref) => !matches(ref)), options.concurrentReads ?? 16, read);
    if (stopped || manifest !== manifestText) return true;
    const submitted: GenerationTexts = {
      manifest,
      shards: new Map(references.filter((ref) => ref.kind === 'ConfigMap' && texts.has(ref.name)).map((ref) => [ref.name, texts.get(ref.name) ?? ''])),
      secrets: texts.get(references.find((ref) => ref.kind === 'Secret')?.name ?? ''),
    };
    void store.submit(submitted, { checksums });
    return references.every(matches);
  };

  const sync = async (): Promise<void> => {
    if (syncing) {
      again = true;
      return;
    }
    syncing = true;
    clearTimeout(retry);
    let settled = true;
    try {
      do {
        again = false;
        if (manifestText !== undefined) settled = await syncOnce(manifestText);
      } while (again && !stopped);
    } catch (error) {
      settled = false;
      log.warn({ err: error, retryInMs: Math.round(retryDelay) }, 'reading routing objects failed; retrying');
    } finally {
      syncing = false;
    }
    if (stopped) return;
    if (settled) retryDelay = backoff.initialMs;
    else {
      // Objects that do not match the manifest yet, or an API error: read again later.
      retry = setTimeout(() => void sync(), retryDelay * (0.8 + Math.random() * 0.4));
      retryDelay = Math.min(retryDelay * 2, backoff.maxMs);
    }
  };

  const manifestWatch = watchObject({
    client,
    kind: 'ConfigMap',
    namespace,
    name: manifestName(carrier),
    logger: log,
    backoff,
    ...(options.watchSeconds === undefined ? {} : { watchSeconds: options.watchSeconds }),
    onChange: (object: RoutingObject | undefined) => {
      const text = object ? routingText(object) : undefined;
      if (text === undefined || text === manifestText) return;
      manifestText = text;
      retryDelay = backoff.initialMs;
      void sync();
    },
  });
  log.info({ namespace, manifest: manifestName(carrier) }, 'watching the routing manifest');

  return {
    status: () => ({ objects: texts.size, reads }),
    stop() {
      stopped = true;
      clearTimeout(retry);
      manifestWatch.stop();
    },
  };
}
