// Standalone mode: the routing state comes from a directory (layout in routing-directory.ts)
// instead of the Kubernetes API. The directory is read at start and again whenever it changes:
// fs.watch tells at once where the filesystem supports it, and a poll of the files' stat every
// few seconds catches what it misses (network filesystems, some container mounts).
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { manifestFile, readRoutingDirectory, secretsFile, shardFile } from './routing-directory.ts';
import { silentLogger, type RoutingLogger } from './routing-logger.ts';
import { referencedNames } from './routing-objects.ts';
import type { RoutingStore, SubmitOutcome } from './routing-store.ts';

export interface DirectorySourceOptions {
  dir: string;
  store: RoutingStore;
  logger?: RoutingLogger;
  /** How often the files' stat is compared, for changes fs.watch did not report (ms). */
  pollIntervalMs?: number;
  /** How long to let a burst of file events settle before reading (ms). */
  debounceMs?: number;
  /** Only poll, for filesystems where fs.watch misbehaves. */
  watch?: boolean;
}

export interface DirectoryRoutingSource {
  /** Reads the directory now and submits what it holds; undefined while there is no manifest. */
  reload(): Promise<SubmitOutcome | undefined>;
  stop(): void;
}

export function startDirectoryRoutingSource(options: DirectorySourceOptions): DirectoryRoutingSource {
  const { dir, store } = options;
  const log = options.logger ?? silentLogger;
  let stopped = false;
  let watcher: FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let reading: Promise<SubmitOutcome | undefined> | undefined;
  let again = false;
  /** The files the last read looked at and their stat, to notice changes without events. */
  let watched: string[] = [];
  let seen = '';

  const files = (manifest: string | undefined) => [manifestFile, secretsFile, ...(manifest ? referencedNames(manifest).shards.map((name) => shardFile(name) ?? '') : [])].filter(Boolean);
  const fingerprint = async (names: string[]) => {
    const parts = await Promise.all(names.map(async (file) => {
      const info = await stat(join(dir, file)).catch(() => undefined);
      return info ? `${file}:${info.ino}:${info.size}:${info.mtimeMs}` : `${file}:-`;
    }));
    return parts.join('|');
  };

  const readOnce = async (): Promise<SubmitOutcome | undefined> => {
    // Stat before reading, so a change made while reading still differs at the next poll.
    const before = await fingerprint(watched);
    const texts = await readRoutingDirectory(dir);
    const now = files(texts?.manifest);
    seen = now.join() === watched.join() ? before : await fingerprint(now);
    watched = now;
    if (!texts) {
      log.warn({ dir }, 'no routing manifest in the directory yet');
      return undefined;
    }
    return store.submit(texts);
  };

  const reload = async (): Promise<SubmitOutcome | undefined> => {
    if (reading) {
      again = true;
      return reading;
    }
    let outcome: SubmitOutcome | undefined;
    try {
      do {
        again = false;
        reading = readOnce();
        outcome = await reading;
      } while (again && !stopped);
    } catch (error) {
      log.error({ err: error, dir }, 'reading the routing directory failed');
    } finally {
      reading = undefined;
    }
    return outcome;
  };

  const schedule = () => {
    if (stopped) return;
    clearTimeout(debounce);
    debounce = setTimeout(() => void reload(), options.debounceMs ?? 100);
  };

  if (options.watch ?? true) {
    try {
      watcher = watch(dir, { persistent: false }, schedule);
      watcher.on('error', (error) => log.warn({ err: error, dir }, 'watching the routing directory failed; polling only'));
    } catch (error) {
      log.warn({ err: error, dir }, 'cannot watch the routing directory; polling only');
    }
  }
  const poll = setInterval(() => {
    if (reading) return;
    void (async () => {
      if ((await fingerprint(watched)) !== seen) schedule();
    })();
  }, options.pollIntervalMs ?? 2000);
  poll.unref();
  void reload();

  return {
    reload,
    stop() {
      stopped = true;
      clearTimeout(debounce);
      clearInterval(poll);
      watcher?.close();
    },
  };
}
