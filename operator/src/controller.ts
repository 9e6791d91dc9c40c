// Watch → queue → compile → apply. One reconcile pass compiles everything observed (so conflicts
// across carriers are seen) and writes only what changed.
import type { KubeConfig, KubernetesObject, V1OwnerReference } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { allKinds } from '../../api/v1alpha1/kinds.ts';
import { apiVersion } from '../../api/v1alpha1/meta.ts';
import { Applier, keyOf, type ApplyOutcome, type OwnedObjectIndex } from './apply/applier.ts';
import { StatusWriter } from './apply/status-writer.ts';
import { compile, type CompileContext } from './compile/compile.ts';
import { managedByLabel, componentLabel } from './compile/names.ts';
import type { ApiClient } from './kube/client.ts';
import type { OperatorMetrics } from './metrics.ts';
import { Informers, type WatchedKind } from './observe/informers.ts';
import { ObservedState } from './observe/observed-state.ts';
import { WorkQueue } from './work-queue.ts';

const customKinds = allKinds.map((kind) => kind.kind);
const ownedKinds = ['ConfigMap', 'Deployment', 'Service', 'ServiceAccount', 'Role', 'RoleBinding', 'PodDisruptionBudget'];
const managed = `${managedByLabel}=switchyard`;

export const watchedKinds: WatchedKind[] = [
  ...customKinds.map((kind) => ({ kind })),
  // All Secrets: trunks and domains reference users' password Secrets by name.
  { kind: 'Secret' },
  ...ownedKinds.map((kind) => ({ kind, labelSelector: managed })),
  { kind: 'Lease', labelSelector: `${componentLabel}=sip-worker` },
];

export interface ControllerOptions {
  kubeconfig: KubeConfig;
  client: ApiClient;
  log: Logger;
  metrics: OperatorMetrics;
  context: Omit<CompileContext, 'now'>;
  concurrency: number;
  resyncSeconds: number;
  identity: string;
  clock?: () => Date;
}

const controlledByCarrier = (refs: V1OwnerReference[] | undefined) => refs?.some((ref) => ref.controller && ref.apiVersion === apiVersion && ref.kind === 'Carrier') ?? false;

export class Controller {
  readonly informers: Informers;
  private readonly queue = new WorkQueue({ baseDelayMs: 500, maxDelayMs: 60_000 });
  private readonly state: ObservedState;
  private readonly applier: Applier;
  private readonly statusWriter: StatusWriter;
  private readonly options: ControllerOptions;
  private readonly clock: () => Date;
  synced = false;
  /** Last generation seen per object of our kinds: a status-only update (ours, mostly) needs no pass. */
  private readonly generations = new Map<string, number>();

  constructor(options: ControllerOptions) {
    this.options = options;
    this.clock = options.clock ?? (() => new Date());
    this.informers = new Informers(options.log);
    this.state = new ObservedState(this.informers);
    const owned: OwnedObjectIndex = {
      get: (kind, namespace, name) => this.informers.get(kind, namespace, name),
      all: () =>
        [...ownedKinds, 'Secret'].flatMap((kind) =>
          this.informers
            .list(kind)
            .filter((object) => object.metadata?.labels?.[managedByLabel] === 'switchyard')
            .map((object) => ({ kind, namespace: object.metadata?.namespace ?? '', name: object.metadata?.name ?? '', ownedBySwitchyard: controlledByCarrier(object.metadata?.ownerReferences) })),
        ),
    };
    this.applier = new Applier(options.client, owned, options.log, { concurrency: options.concurrency, identity: options.identity });
    this.statusWriter = new StatusWriter(this.applier, options.concurrency, {
      onWritten: (count) => options.metrics.writes.inc({ operation: 'status' }, count),
      onFailed: (key, error) => {
        const delay = this.queue.retry(key);
        options.metrics.errors.inc({ kind: key.split('/')[0] ?? '' });
        options.log.warn({ key, err: error, retryInMs: delay }, 'status write failed; will retry');
      },
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    const { log, metrics } = this.options;
    await this.informers.start(this.options.kubeconfig, this.options.client, watchedKinds, (kind: string, object: KubernetesObject) => {
      const key = keyOf(kind, object.metadata?.namespace ?? '', object.metadata?.name ?? '');
      if (customKinds.includes(kind) && object.metadata?.uid) {
        // Writing 100,000 statuses must not cause 100,000 passes: only spec (generation) changes,
        // creations and deletions of our kinds are news. Status changes are seen on the next pass.
        const generation = object.metadata.generation ?? 0;
        const seen = this.generations.get(object.metadata.uid);
        if (object.metadata.deletionTimestamp) this.generations.delete(object.metadata.uid);
        else this.generations.set(object.metadata.uid, generation);
        if (seen === generation && !object.metadata.deletionTimestamp) return;
      }
      this.queue.add(key);
      metrics.queueDepth.set(this.queue.depth);
    });
    this.synced = true;
    log.info({ kinds: watchedKinds.length }, 'caches synced');
    this.queue.add('resync');
    const resync = setInterval(() => this.queue.add('resync'), this.options.resyncSeconds * 1000);
    try {
      while (!signal.aborted) {
        const keys = await this.queue.takeAll(signal);
        if (signal.aborted) break;
        await this.reconcile(keys);
      }
    } finally {
      clearInterval(resync);
      this.queue.shutDown();
      await this.informers.stop();
    }
  }

  /** One pass over everything; failed writes come back through the queue with backoff. */
  async reconcile(keys: string[]): Promise<ApplyOutcome> {
    const { log, metrics } = this.options;
    const started = performance.now();
    const now = this.clock();
    const observed = this.state.snapshot(now);
    const result = compile(observed, { ...this.options.context, now });
    metrics.compileDuration.observe((performance.now() - started) / 1000);

    const applied = await this.applier.apply(result.phases);
    const created = await this.applier.createOnce(result.createOnly);
    this.statusWriter.submit(result.statuses);
    const desired = new Set([...result.phases.flat(), ...result.createOnly].map((o) => keyOf(o.kind, o.metadata.namespace, o.metadata.name)));
    // Prune only after a clean apply: a half-applied generation must not lose its old objects.
    const pruned = applied.failed.length === 0 ? await this.applier.prune(desired) : { writes: 0, failed: [] };
    await this.applier.emit(result.events, now);

    const failed = [...applied.failed, ...created.failed, ...pruned.failed];
    for (const { key, error } of failed) {
      const delay = this.queue.retry(key);
      metrics.errors.inc({ kind: key.split('/')[0] ?? '' });
      log.warn({ key, err: error, retryInMs: delay }, 'write failed; will retry');
    }
    const failedKeys = new Set(failed.map((f) => f.key));
    for (const key of keys) if (!failedKeys.has(key)) this.queue.forget(key);

    metrics.writes.inc({ operation: 'apply' }, applied.writes);
    metrics.writes.inc({ operation: 'create' }, created.writes);
    metrics.writes.inc({ operation: 'delete' }, pruned.writes);
    metrics.reconciles.inc({ result: failed.length === 0 ? 'success' : 'error' });
    metrics.reconcileDuration.observe((performance.now() - started) / 1000);
    metrics.queueDepth.set(this.queue.depth);
    for (const kind of customKinds) metrics.objectsManaged.set({ kind }, this.informers.list(kind).length);
    metrics.routingGeneration.reset();
    for (const carrier of result.carriers) {
      metrics.routingGeneration.set({ namespace: carrier.namespace, carrier: carrier.name, generation: carrier.generation }, 1);
      metrics.routingShards.set({ namespace: carrier.namespace, carrier: carrier.name }, carrier.shards);
    }
    const writes = applied.writes + created.writes + pruned.writes;
    if (writes > 0 || failed.length > 0 || result.statuses.length > 0) {
      log.info({ keys: keys.length, writes, applied: applied.writes, statuses: result.statuses.length, statusBacklog: this.statusWriter.backlog, pruned: pruned.writes, failed: failed.length, events: result.events.length, ms: Math.round(performance.now() - started) }, 'reconciled');
    }
    return { writes, failed };
  }
}
