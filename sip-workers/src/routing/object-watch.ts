// Follows one named ConfigMap or Secret through the Kubernetes API: list it (by a metadata.name
// field selector, which a Role limited to resourceNames allows), then watch from the list's
// resourceVersion. A watch that ends is resumed from the last version seen; 410 Gone means that
// version is too old, so the object is listed again. Errors back off exponentially with jitter.
// Watchers only watch: every state of the object goes to onChange, nothing is decided here.
import { ApiError, WatchIdleTimeout, type ApiClient, type WatchEvent } from '../../../api/kube/client.ts';
import { collectionPathOf } from '../../../api/kube/paths.ts';
import type { RoutingLogger } from './routing-logger.ts';
import type { RoutingObject } from './routing-objects.ts';

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export interface ObjectWatchOptions {
  client: ApiClient;
  kind: 'ConfigMap' | 'Secret';
  namespace: string;
  name: string;
  /** The object as it is now; undefined when it does not exist (or was deleted). */
  onChange: (object: RoutingObject | undefined) => void;
  logger: RoutingLogger;
  backoff: Backoff;
  /** How long the server keeps one watch request open before it is renewed; random in 5–10 min by default. */
  watchSeconds?: number;
}

export interface ObjectWatch {
  stop(): void;
}

interface WatchedObject extends RoutingObject {
  metadata?: { name?: string; resourceVersion?: string };
}

interface WatchEnd {
  /** The resourceVersion to resume from; '' to list again. */
  resourceVersion: string;
  error?: unknown;
  /** Events arrived: the connection was healthy, so the backoff starts over. */
  delivered: boolean;
}

const statusOf = (error: unknown) => (error instanceof ApiError ? error.status : undefined);

/**
 * Silence after which a watch counts as dead. With bookmarks requested the API server sends one
 * about once a minute even when nothing changes, so 90 s catches a dead connection within a
 * bookmark and a half, and a quiet manifest never reconnects for nothing.
 */
const idleTimeoutMs = 90_000;

export function watchObject(options: ObjectWatchOptions): ObjectWatch {
  const { client, kind, namespace, name, onChange, logger } = options;
  const path = collectionPathOf('v1', kind === 'ConfigMap' ? 'configmaps' : 'secrets', namespace);
  const fieldSelector = `metadata.name=${name}`;
  let stopped = false;
  let abort: AbortController | undefined;
  let wake: (() => void) | undefined;

  const list = async (): Promise<string> => {
    const result = await client.request<{ items: WatchedObject[]; metadata?: { resourceVersion?: string } }>('GET', `${path}?${new URLSearchParams({ fieldSelector }).toString()}`);
    const object = result.items[0];
    if (!stopped) onChange(object ? { kind, metadata: { name: object.metadata?.name ?? name }, data: object.data ?? {} } : undefined);
    return result.metadata?.resourceVersion ?? '';
  };

  const watchFrom = async (resourceVersion: string): Promise<WatchEnd> => {
    let latest = resourceVersion;
    let delivered = false;
    let gone = false;
    let refused: Error | undefined;
    const controller = new AbortController();
    abort = controller;
    if (stopped) controller.abort();
    const onEvent = ({ type, object }: WatchEvent) => {
      if (stopped) return;
      const watched = object as WatchedObject & { code?: number; message?: string };
      if (type === 'ERROR') {
        // 410 Gone: that version left the server's window, list again. Anything else backs off.
        gone = watched.code === 410;
        if (!gone) refused = new Error(`watch of ${kind} ${name} ended with an error event: ${watched.code ?? '?'} ${watched.message ?? ''}`);
        controller.abort();
        return;
      }
      delivered = true;
      latest = watched.metadata?.resourceVersion ?? latest;
      if (type === 'ADDED' || type === 'MODIFIED') onChange({ kind, metadata: { name }, data: watched.data ?? {} });
      else if (type === 'DELETED') onChange(undefined);
    };
    // The server ends each watch after this long; it is resumed from the last version seen.
    const timeoutSeconds = String(options.watchSeconds ?? 300 + Math.floor(Math.random() * 300));
    const query = new URLSearchParams({ watch: '1', fieldSelector, resourceVersion, allowWatchBookmarks: 'true', timeoutSeconds });
    let error: unknown;
    try {
      await client.watch(`${path}?${query.toString()}`, onEvent, controller.signal, { idleTimeoutMs });
    } catch (failure) {
      error = failure;
    }
    return { resourceVersion: gone || statusOf(error) === 410 ? '' : latest, error: error ?? refused, delivered };
  };

  const pause = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });

  const run = async () => {
    let resourceVersion = '';
    let delay = options.backoff.initialMs;
    while (!stopped) {
      let failure: unknown;
      try {
        if (!resourceVersion) resourceVersion = await list();
        const end = await watchFrom(resourceVersion);
        resourceVersion = end.resourceVersion;
        if (end.delivered) delay = options.backoff.initialMs;
        // A normal close, 410 Gone and a silent connection closed on our side need no pause.
        if (end.error !== undefined && statusOf(end.error) !== 410 && !(end.error instanceof WatchIdleTimeout)) failure = end.error;
      } catch (error) {
        failure = error;
      }
      if (failure === undefined || stopped) continue;
      logger.warn({ err: failure, kind, name, retryInMs: Math.round(delay) }, 'watching a routing object failed; retrying');
      await pause(delay * (0.8 + Math.random() * 0.4));
      delay = Math.min(delay * 2, options.backoff.maxMs);
    }
  };
  void run();

  return {
    stop() {
      stopped = true;
      abort?.abort();
      wake?.();
    },
  };
}
