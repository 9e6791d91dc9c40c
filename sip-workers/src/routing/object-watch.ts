// Follows one named ConfigMap or Secret through the Kubernetes API: list it (by a metadata.name
// field selector, which a Role limited to resourceNames allows), then watch from the list's
// resourceVersion. A watch that ends is resumed from the last version seen; 410 Gone means that
// version is too old, so the object is listed again. Errors back off exponentially with jitter.
// Watchers only watch: every state of the object goes to onChange, nothing is decided here.
import { CoreV1Api, Watch, type KubeConfig } from '@kubernetes/client-node';
import type { RoutingLogger } from './routing-logger.ts';
import type { RoutingObject } from './routing-objects.ts';

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export interface ObjectWatchOptions {
  kubeconfig: KubeConfig;
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

const statusOf = (error: unknown): number | undefined => {
  const { code, statusCode } = (error ?? {}) as { code?: unknown; statusCode?: unknown };
  return typeof statusCode === 'number' ? statusCode : typeof code === 'number' ? code : undefined;
};

const isTimeout = (error: unknown) => (error as { name?: unknown } | undefined)?.name === 'TimeoutError';

/**
 * The client aborts a watch after this long without a byte. Its 30 s default is shorter than the
 * API server's bookmark interval (about a minute), so every quiet watch (most shards, most of the
 * time) would reconnect twice a minute; with bookmarks requested, 90 s still catches a dead
 * connection. The field is private in the typings but read at run time.
 */
const inactivityTimeoutMs = 90_000;

export function watchObject(options: ObjectWatchOptions): ObjectWatch {
  const { kubeconfig, kind, namespace, name, onChange, logger } = options;
  const core = kubeconfig.makeApiClient(CoreV1Api);
  const watch = new Watch(kubeconfig);
  (watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs = inactivityTimeoutMs;
  const path = `/api/v1/namespaces/${namespace}/${kind === 'ConfigMap' ? 'configmaps' : 'secrets'}`;
  const fieldSelector = `metadata.name=${name}`;
  let stopped = false;
  let abort: AbortController | undefined;
  let wake: (() => void) | undefined;

  const list = async (): Promise<string> => {
    const result = kind === 'ConfigMap' ? await core.listNamespacedConfigMap({ namespace, fieldSelector }) : await core.listNamespacedSecret({ namespace, fieldSelector });
    const object = result.items[0];
    if (!stopped) onChange(object ? { kind, metadata: { name: object.metadata?.name ?? name }, data: object.data ?? {} } : undefined);
    return result.metadata?.resourceVersion ?? '';
  };

  const watchFrom = (resourceVersion: string) =>
    new Promise<WatchEnd>((resolve) => {
      let latest = resourceVersion;
      let delivered = false;
      let gone = false;
      const onEvent = (type: string, object: WatchedObject & { code?: number }) => {
        if (stopped) return;
        if (type === 'ERROR') {
          gone = object.code === 410;
          abort?.abort();
          return;
        }
        delivered = true;
        latest = object.metadata?.resourceVersion ?? latest;
        if (type === 'ADDED' || type === 'MODIFIED') onChange({ kind, metadata: { name }, data: object.data ?? {} });
        else if (type === 'DELETED') onChange(undefined);
      };
      const done = (error: unknown) => resolve({ resourceVersion: gone || statusOf(error) === 410 ? '' : latest, error: error ?? undefined, delivered });
      // The server ends each watch after this long; it is resumed from the last version seen.
      const timeoutSeconds = options.watchSeconds ?? 300 + Math.floor(Math.random() * 300);
      watch.watch(path, { fieldSelector, resourceVersion, allowWatchBookmarks: true, timeoutSeconds }, onEvent, done).then(
        (controller) => {
          abort = controller;
          if (stopped) controller.abort();
        },
        (error: unknown) => done(error),
      );
    });

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
        // The client ends a quiet watch after a while; that, a normal close and 410 Gone need no pause.
        if (end.error && !isTimeout(end.error) && statusOf(end.error) !== 410) failure = end.error;
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
