// List+watch of one kind into a store of projections: only what the operator reads of each object
// is kept (a parsed spec, a hash annotation...), never the object as the server sent it. Lists are
// paged so that 100,000 objects never arrive as one response; the watch resumes from the last
// resourceVersion (bookmarks keep it fresh) and relists when the server says it is too old (410).
import type { Logger } from 'pino';
import { ApiError, type ApiClient, type WatchEvent } from '../../../api/kube/client.ts';
import { collectionPath } from '../kube/resources.ts';

/** What a reflector needs of an object as it arrives. */
export interface RawObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
  [field: string]: unknown;
}

/** Where projections live; a Map is one, ObservedState provides typed ones. */
export interface ProjectionStore<T> {
  get(key: string): T | undefined;
  set(key: string, value: T): void;
  delete(key: string): void;
  keys(): Iterable<string>;
}

export interface ReflectorOptions<T> {
  kind: string;
  labelSelector?: string;
  /** Ask for metadata only (PartialObjectMetadata): owned ConfigMaps are read for their hash annotation, not their 500 KiB of data. */
  metadataOnly?: boolean;
  store: ProjectionStore<T>;
  project: (object: RawObject, previous: T | undefined) => T;
  /** Told after the store changed; `current` undefined means deleted. */
  onChange: (key: string, previous: T | undefined, current: T | undefined) => void;
}

const pageSize = 2000;
const metadataAccept = (list: boolean) => `application/json;as=PartialObjectMetadata${list ? 'List' : ''};g=meta.k8s.io;v=v1`;
/** namespace/name, as one flat string: a template literal keeps its pieces (and ~50 more bytes) alive in every key of 100,000. */
const keyOf = (object: RawObject) => [object.metadata?.namespace ?? '', object.metadata?.name ?? ''].join('/');
const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
});

class Gone extends Error {}

export class Reflector<T> {
  private readonly client: ApiClient;
  private readonly log: Logger;
  private readonly options: ReflectorOptions<T>;
  private resourceVersion = '';

  constructor(client: ApiClient, log: Logger, options: ReflectorOptions<T>) {
    this.client = client;
    this.log = log;
    this.options = options;
  }

  /** Lists (retrying until it succeeds), then watches in the background until the signal aborts. */
  async start(signal: AbortSignal): Promise<void> {
    for (let delay = 1000; !signal.aborted; delay = Math.min(delay * 2, 30_000)) {
      try {
        await this.list();
        break;
      } catch (error) {
        this.log.warn({ err: error, kind: this.options.kind }, 'list failed; retrying');
        await sleep(delay, signal);
      }
    }
    void this.watchLoop(signal);
  }

  private query(extra: Record<string, string>): string {
    const params = new URLSearchParams(extra);
    if (this.options.labelSelector) params.set('labelSelector', this.options.labelSelector);
    return `${collectionPath(this.options.kind)}?${params.toString()}`;
  }

  /** Replaces the store with a fresh list, telling onChange about what was added, changed or is gone. */
  private async list(): Promise<void> {
    const { store, project, onChange } = this.options;
    const seen = new Set<string>();
    let continueToken = '';
    let resourceVersion: string | undefined;
    do {
      // A metadata-only list with nothing in it says `items: null`.
      const page = await this.client.request<{ items: RawObject[] | null; metadata: { continue?: string; resourceVersion?: string } }>(
        'GET', this.query({ limit: String(pageSize), ...(continueToken ? { continue: continueToken } : {}) }), undefined, undefined,
        this.options.metadataOnly ? { accept: metadataAccept(true) } : {},
      );
      for (const object of page.items ?? []) {
        const key = keyOf(object);
        seen.add(key);
        const previous = store.get(key);
        const current = project(object, previous);
        store.set(key, current);
        onChange(key, previous, current);
      }
      continueToken = page.metadata.continue ?? '';
      resourceVersion = page.metadata.resourceVersion;
    } while (continueToken);
    for (const key of [...store.keys()]) {
      if (seen.has(key)) continue;
      const previous = store.get(key);
      store.delete(key);
      onChange(key, previous, undefined);
    }
    this.resourceVersion = resourceVersion ?? '';
  }

  private async watchLoop(signal: AbortSignal): Promise<void> {
    let delay = 0;
    while (!signal.aborted) {
      try {
        if (!this.resourceVersion) await this.list();
        const started = Date.now();
        await this.watch(signal);
        // A watch the server closes at once, again and again, must not become a busy loop.
        delay = Date.now() - started < 1000 ? 1000 : 0;
        if (delay) await sleep(delay, signal);
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof Gone || (error instanceof ApiError && error.status === 410)) {
          this.resourceVersion = '';
          continue;
        }
        delay = Math.min(Math.max(delay * 2, 1000), 30_000);
        this.log.warn({ err: error, kind: this.options.kind, retryInMs: delay }, 'watch failed; restarting');
        await sleep(delay, signal);
      }
    }
  }

  private async watch(signal: AbortSignal): Promise<void> {
    const { store, project, onChange } = this.options;
    // The server ends each watch after a few minutes (spread so that watches do not all restart at once).
    const timeoutSeconds = String(240 + Math.floor(Math.random() * 120));
    let gone = false;
    await this.client.watch(this.query({ watch: '1', allowWatchBookmarks: 'true', resourceVersion: this.resourceVersion, timeoutSeconds }), (event: WatchEvent) => {
      if (event.type === 'ERROR') {
        if ((event.object as { code?: number }).code === 410) gone = true;
        else this.log.warn({ kind: this.options.kind, status: event.object }, 'watch error event');
        return;
      }
      const object = event.object as RawObject;
      const resourceVersion = object.metadata?.resourceVersion;
      if (event.type !== 'BOOKMARK') {
        const key = keyOf(object);
        const previous = store.get(key);
        if (event.type === 'DELETED') {
          store.delete(key);
          if (previous !== undefined) onChange(key, previous, undefined);
        } else {
          const current = project(object, previous);
          store.set(key, current);
          onChange(key, previous, current);
        }
      }
      if (resourceVersion) this.resourceVersion = resourceVersion;
    }, signal, this.options.metadataOnly ? { accept: metadataAccept(false) } : {});
    if (gone) throw new Gone(`${this.options.kind}: resourceVersion too old`);
  }
}
