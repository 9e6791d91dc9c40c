// Watch → queue → compile → apply. A pass compiles the small kinds in full (so conflicts across
// carriers are seen) and the PhoneNumbers that changed, then writes only what changed: routing
// first, statuses in the background.
import type { Logger } from 'pino';
import { allKinds } from '../../api/v1alpha1/kinds.ts';
import { applyFailure } from './apply/apply-failure.ts';
import { bulkPause } from './bulk-pause.ts';
import { Applier, keyOf, type ApplyOutcome, type OwnedObjectIndex } from './apply/applier.ts';
import { StatusWriter } from './apply/status-writer.ts';
import type { CompileContext } from './compile/compile.ts';
import { IncrementalCompiler } from './compile/incremental.ts';
import { managedByLabel } from './compile/names.ts';
import type { CompileResult } from './compile/result.ts';
import type { ApiClient } from '../../api/kube/client.ts';
import type { OperatorMetrics } from './metrics.ts';
import { isNews } from './news.ts';
import { ObservedState, type WatchedKind } from './observe/observed-state.ts';
import { podLeaseSelector } from './observe/projections.ts';
import { ResyncCursor } from './resync-cursor.ts';
import { WorkQueue } from './work-queue.ts';

const customKinds = allKinds.map((kind) => kind.kind);
const ownedKinds = ['ConfigMap', 'Deployment', 'Service', 'ServiceAccount', 'Role', 'RoleBinding', 'PodDisruptionBudget', 'HorizontalPodAutoscaler'];
const managed = `${managedByLabel}=switchyard`;
const phoneNumberPrefix = 'PhoneNumber/';
const resyncKey = 'resync';
/** Queued while a resync's walk over the PhoneNumbers is unfinished, so the next slice gets a pass. */
const resyncContinueKey = 'resync-continue';
/** PhoneNumbers a resync recompiles per pass: ~0.1 s of compile at 100,000. */
const resyncSlice = 5_000;

export const watchedKinds: WatchedKind[] = [
  ...customKinds.map((kind) => ({ kind })),
  // All Secrets: trunks and domains reference users' password Secrets by name.
  { kind: 'Secret' },
  ...ownedKinds.map((kind) => ({ kind, labelSelector: managed })),
  // Pods' reports: the generation a worker serves, what the gateways said of the push credentials.
  { kind: 'Lease', labelSelector: podLeaseSelector },
];

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
});

export interface ControllerOptions {
  client: ApiClient;
  log: Logger;
  metrics: OperatorMetrics;
  context: Omit<CompileContext, 'now'>;
  concurrency: number;
  statusConcurrency: number;
  resyncSeconds: number;
  identity: string;
  clock?: () => Date;
}

export class Controller {
  private readonly queue = new WorkQueue({ baseDelayMs: 500, maxDelayMs: 60_000 });
  private readonly state = new ObservedState();
  private readonly compiler = new IncrementalCompiler();
  private readonly resync = new ResyncCursor(resyncSlice);
  /** Whether the compiler has compiled since this replica last became leader; the first pass is a full one. */
  private compiledOnce = false;
  private readonly applier: Applier;
  private readonly statusWriter: StatusWriter;
  private readonly options: ControllerOptions;
  private readonly clock: () => Date;
  private observing: Promise<void> | undefined;
  private leading = false;
  synced = false;

  constructor(options: ControllerOptions) {
    this.options = options;
    this.clock = options.clock ?? (() => new Date());
    const owned: OwnedObjectIndex = {
      get: (kind, namespace, name) => this.state.ownedObject(kind, namespace, name),
      all: () => this.state.allOwned(),
    };
    this.applier = new Applier(options.client, owned, options.log, { concurrency: options.concurrency, identity: options.identity });
    this.statusWriter = new StatusWriter(this.applier, options.statusConcurrency, {
      onWritten: (count) => options.metrics.writes.inc({ operation: 'status' }, count),
      onFailed: (key, error) => {
        const delay = this.queue.retry(key);
        options.metrics.errors.inc({ kind: key.split('/')[0] ?? '' });
        options.log.warn({ key, err: error, retryInMs: delay }, 'status write failed; will retry');
      },
    });
    options.metrics.statusLane.current = this.statusWriter;
  }

  /**
   * Starts watching, leader or not, and resolves once every initial list is in. A standby keeps
   * its caches warm, so that taking over waits only for the lease, not for 100,000 objects.
   */
  observe(signal: AbortSignal): Promise<void> {
    this.observing ??= (async () => {
      const reflectors = this.state.reflectors(this.options.client, this.options.log, watchedKinds, (kind, key, previous, current) => {
        // Before leading, there is nothing to queue: the first pass compiles everything.
        if (!this.leading || !isNews(kind, customKinds.includes(kind), previous, current)) return;
        this.queue.add(`${kind}/${key}`);
        this.options.metrics.queueDepth.set(this.queue.depth);
      });
      await Promise.all(reflectors.map((reflector) => reflector.start(signal)));
      this.synced = true;
      // Logged by a standby too: it says when this replica could take over without waiting for lists.
      if (!signal.aborted) this.options.log.info({ kinds: watchedKinds.length }, 'caches synced');
    })();
    return this.observing;
  }

  /** Reconciles until `signal` aborts (leadership ends or the process stops). */
  async run(signal: AbortSignal): Promise<void> {
    await this.observe(signal);
    if (signal.aborted) return;
    this.leading = true;
    this.compiledOnce = false;
    this.queue.add(resyncKey);
    const resync = setInterval(() => this.queue.add(resyncKey), this.options.resyncSeconds * 1000);
    try {
      while (!signal.aborted) {
        if (this.queue.readyCount === 0) this.statusWriter.yieldToRouting(false);
        const keys = await this.queue.takeAll(signal);
        if (signal.aborted) break;
        this.statusWriter.yieldToRouting(true);
        const { pauseMs } = await this.reconcile(keys);
        if (pauseMs > 0) {
          this.statusWriter.yieldToRouting(false);
          await sleep(pauseMs, signal);
        }
      }
    } finally {
      this.leading = false;
      clearInterval(resync);
      this.queue.shutDown();
    }
  }

  /** One pass: compile what changed, write routing, hand statuses to the background writer; failed writes come back through the queue with backoff. */
  async reconcile(keys: string[]): Promise<ApplyOutcome & { pauseMs: number }> {
    const { metrics } = this.options;
    const started = performance.now();
    const now = this.clock();
    const view = this.state.view(now);
    const phoneNumbers = keys.filter((key) => key.startsWith(phoneNumberPrefix)).map((key) => key.slice(phoneNumberPrefix.length));
    const full = !this.compiledOnce;
    if (keys.includes(resyncKey) && !full) this.resync.start([...view.phoneNumbers.keys(), ...view.invalidPhoneNumbers.keys()]);
    const resynced = this.resync.next();
    phoneNumbers.push(...resynced);
    if (!this.resync.done) this.queue.add(resyncContinueKey);
    const result = this.compiler.compile(view, { full, phoneNumbers }, { ...this.options.context, now });
    this.compiledOnce = true;
    metrics.compileDuration.observe((performance.now() - started) / 1000);

    const applyStarted = performance.now();
    const applied = await this.applier.apply(result.phases);
    const applyMs = performance.now() - applyStarted;
    const created = await this.applier.createOnce(result.createOnly);
    const routed = result.phases.flat();
    const desiredObjects = [...routed, ...result.createOnly];
    const writeFailures = [...applied.failed, ...created.failed];
    if (writeFailures.length === 0) {
      this.statusWriter.submit(result.statuses);
      await this.applier.emit(result.events, now);
    } else {
      // The statuses compiled for this pass describe writes that did not land; the next pass
      // compiles everything again and states them once the writes succeed.
      this.compiledOnce = false;
      const failure = applyFailure(writeFailures, desiredObjects, view.carriers, result.statuses, now);
      this.statusWriter.submit(failure.statuses);
      await this.applier.emit(failure.events, now);
    }
    const desired = new Set(desiredObjects.map((o) => keyOf(o.kind, o.metadata.namespace, o.metadata.name)));
    // Prune only after a clean apply: a half-applied generation must not lose its old objects.
    const pruned = applied.failed.length === 0 ? await this.applier.prune(desired) : { writes: 0, failed: [] };

    const failed = [...applied.failed, ...created.failed, ...pruned.failed];
    this.requeue(keys, failed);
    metrics.writes.inc({ operation: 'apply' }, applied.writes);
    metrics.writes.inc({ operation: 'create' }, created.writes);
    metrics.writes.inc({ operation: 'delete' }, pruned.writes);
    metrics.reconciles.inc({ result: failed.length === 0 ? 'success' : 'error' });
    metrics.reconcileDuration.observe((performance.now() - started) / 1000);
    this.report(result);
    const writes = applied.writes + created.writes + pruned.writes;
    if (writes > 0 || failed.length > 0 || result.statuses.length > 0 || resynced.length > 0) {
      this.options.log.info({ keys: keys.length, resynced: resynced.length, phaseMs: applied.phaseMs, writes, applied: applied.writes, statuses: result.statuses.length, statusBacklog: this.statusWriter.backlog, pruned: pruned.writes, failed: failed.length, events: result.events.length, ms: Math.round(performance.now() - started) }, 'reconciled');
    }
    const newNumbers = phoneNumbers.reduce((count, key) => {
      const number = view.phoneNumbers.get(key);
      return number?.metadata.generation === 1 && !number.status ? count + 1 : count;
    }, 0);
    return { writes, failed, pauseMs: bulkPause({ written: applied.writes, desired: routed.length, newNumbers, applyMs }) };
  }

  private requeue(keys: string[], failed: ApplyOutcome['failed']): void {
    for (const { key, error } of failed) {
      const delay = this.queue.retry(key);
      this.options.metrics.errors.inc({ kind: key.split('/')[0] ?? '' });
      this.options.log.warn({ key, err: error, retryInMs: delay }, 'write failed; will retry');
    }
    const failedKeys = new Set(failed.map((f) => f.key));
    for (const key of keys) if (!failedKeys.has(key)) this.queue.forget(key);
  }

  private report(result: CompileResult): void {
    const { metrics } = this.options;
    metrics.queueDepth.set(this.queue.depth);
    for (const kind of customKinds) metrics.objectsManaged.set({ kind }, this.state.count(kind));
    metrics.routingGeneration.reset();
    metrics.certificateExpiry.reset();
    for (const carrier of result.carriers) {
      for (const { certificate, expiry } of carrier.certificateExpiries) metrics.certificateExpiry.set({ namespace: carrier.namespace, carrier: carrier.name, certificate }, expiry.getTime() / 1000);
      metrics.routingGeneration.set({ namespace: carrier.namespace, carrier: carrier.name, generation: carrier.generation }, 1);
      metrics.routingShards.set({ namespace: carrier.namespace, carrier: carrier.name }, carrier.shards);
    }
  }
}
