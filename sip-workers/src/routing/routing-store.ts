// The routing generation the worker serves. Sources (directory, Kubernetes) submit the texts
// they see; the store assembles them one submission at a time, always against the table it
// serves (so unchanged shards are reused), and swaps only to a complete, valid generation. A
// failed one leaves the served table in place and is recorded: counters, the last error, events.
//
// Objects a manifest names that are missing or still hold older contents are usually in flight
// (the operator writes shards before the manifest, but watches deliver them independently), so
// such a generation is waited for during a grace period before it counts as a failure.
import type { ChecksumCache } from './checksum-cache.ts';
import { assembleGenerationGradually, type AssemblyFailure, type GenerationTexts } from './generation-assembler.ts';
import { silentLogger, type RoutingLogger } from './routing-logger.ts';
import type { RoutingTable } from './routing-table.ts';
import type { RoutingView } from './routing-view.ts';

export interface SwapEvent {
  generation: string;
  previousGeneration: string | undefined;
  view: RoutingView;
  compiledShards: number;
  reusedShards: number;
  /** From submission to swap. */
  seconds: number;
}

export interface RejectionEvent {
  /** The manifest's generation, when the manifest could be read. */
  generation: string | undefined;
  failure: AssemblyFailure;
  reason: string;
}

export interface RoutingStoreStatus {
  generation: string | undefined;
  swaps: number;
  rejections: number;
  /** The latest rejection (kept after later swaps, with its time, for a status page or a log). */
  lastError: (RejectionEvent & { at: Date }) | undefined;
  /** A generation whose objects are not all there yet, still within the grace period. */
  waitingFor: { generation: string | undefined; reason: string; since: Date } | undefined;
}

/**
 * - swapped: the generation is served now.
 * - unchanged: it was already served.
 * - waiting: objects are missing or stale; within the grace period.
 * - rejected: the generation is invalid (or stayed inconsistent past the grace period).
 * - superseded: newer texts were submitted before these were looked at.
 */
export type SubmitOutcome = 'swapped' | 'unchanged' | 'waiting' | 'rejected' | 'superseded';

export interface RoutingStoreOptions {
  /** The carrier this worker serves: manifests of another are rejected. */
  carrier?: string;
  logger?: RoutingLogger;
  /** How long missing or stale objects are waited for before the generation counts as failed. */
  consistencyGraceMs?: number;
  /** Longest stretch of assembly work between two turns of the event loop. */
  sliceMs?: number;
}

export interface SubmitOptions {
  /** A checksum cache over texts the source keeps anyway (see ChecksumCache). */
  checksums?: ChecksumCache;
}

interface Job {
  texts: GenerationTexts;
  options: SubmitOptions;
  submitted: number;
  resolve: (outcome: SubmitOutcome) => void;
}

function manifestGeneration(manifest: string): string | undefined {
  try {
    const generation = (JSON.parse(manifest) as { generation?: unknown }).generation;
    return typeof generation === 'string' ? generation : undefined;
  } catch {
    return undefined;
  }
}

export class RoutingStore {
  private table: RoutingTable | undefined;
  private pending: Job | undefined;
  private draining: Promise<void> | undefined;
  private swaps = 0;
  private rejections = 0;
  private lastError: RoutingStoreStatus['lastError'];
  private waiting: (NonNullable<RoutingStoreStatus['waitingFor']> & { failure: AssemblyFailure; timer: NodeJS.Timeout | undefined }) | undefined;
  private readonly swapListeners = new Set<(generation: string, event: SwapEvent) => void>();
  private readonly rejectionListeners = new Set<(event: RejectionEvent) => void>();
  private readonly options: RoutingStoreOptions;
  private readonly log: RoutingLogger;

  constructor(options: RoutingStoreOptions = {}) {
    this.options = options;
    this.log = options.logger ?? silentLogger;
  }

  /** The generation to route calls with; undefined until the first one is assembled. */
  current(): RoutingView | undefined {
    return this.table;
  }

  /** The same, with the table's own members (shard and pool details, counts). */
  currentTable(): RoutingTable | undefined {
    return this.table;
  }

  status(): RoutingStoreStatus {
    const waiting = this.waiting;
    return {
      generation: this.table?.generation,
      swaps: this.swaps,
      rejections: this.rejections,
      lastError: this.lastError,
      waitingFor: waiting ? { generation: waiting.generation, reason: waiting.reason, since: waiting.since } : undefined,
    };
  }

  /** Called after every swap with the generation now served (and the details). Returns an unsubscribe function. */
  onSwap(listener: (generation: string, event: SwapEvent) => void): () => void {
    this.swapListeners.add(listener);
    return () => this.swapListeners.delete(listener);
  }

  /** Called for every rejected generation (not for one still waited for). */
  onReject(listener: (event: RejectionEvent) => void): () => void {
    this.rejectionListeners.add(listener);
    return () => this.rejectionListeners.delete(listener);
  }

  /** Offers the texts a source sees now. Submissions are handled one at a time; only the newest waiting one is kept. */
  submit(texts: GenerationTexts, options: SubmitOptions = {}): Promise<SubmitOutcome> {
    return new Promise((resolve) => {
      this.pending?.resolve('superseded');
      this.pending = { texts, options, submitted: performance.now(), resolve };
      this.draining ??= this.drain();
    });
  }

  /** Stops the grace timer; the served table stays readable. */
  close(): void {
    clearTimeout(this.waiting?.timer);
    this.pending?.resolve('superseded');
    this.pending = undefined;
  }

  private async drain(): Promise<void> {
    try {
      for (let job = this.pending; job; job = this.pending) {
        this.pending = undefined;
        job.resolve(await this.apply(job).catch((error: unknown) => {
          // A bug, not bad input (that is a rejection): still keep serving and keep going.
          this.log.error({ err: error }, 'assembling a routing generation failed unexpectedly');
          return 'rejected' as const;
        }));
      }
    } finally {
      this.draining = undefined;
    }
  }

  private async apply(job: Job): Promise<SubmitOutcome> {
    const generation = manifestGeneration(job.texts.manifest);
    if (generation !== undefined && generation === this.table?.generation) {
      this.stopWaiting();
      return 'unchanged';
    }
    const assembly = await assembleGenerationGradually(job.texts, { previous: this.table, checksums: job.options.checksums, carrier: this.options.carrier, sliceMs: this.options.sliceMs });
    if (assembly.ok) {
      this.stopWaiting();
      const previousGeneration = this.table?.generation;
      this.table = assembly.table;
      this.swaps++;
      const event: SwapEvent = { generation: assembly.table.generation, previousGeneration, view: assembly.table, compiledShards: assembly.compiledShards, reusedShards: assembly.reusedShards, seconds: (performance.now() - job.submitted) / 1000 };
      this.log.info({ generation: event.generation, previousGeneration, numbers: assembly.table.numberCount, compiledShards: event.compiledShards, reusedShards: event.reusedShards, seconds: event.seconds }, 'serving routing generation');
      this.emit(this.swapListeners, (listener) => listener(event.generation, event));
      return 'swapped';
    }
    const rejection: RejectionEvent = { generation: assembly.generation, failure: assembly.failure, reason: assembly.reason };
    if (assembly.failure === 'missing' || assembly.failure === 'checksum') return this.wait(rejection);
    this.stopWaiting();
    this.reject(rejection);
    return 'rejected';
  }

  private wait(rejection: RejectionEvent): SubmitOutcome {
    const grace = this.options.consistencyGraceMs ?? 10_000;
    const waiting = this.waiting;
    if (waiting && waiting.generation === rejection.generation) {
      waiting.reason = rejection.reason;
      waiting.failure = rejection.failure;
      return waiting.timer ? 'waiting' : 'rejected';
    }
    this.stopWaiting();
    const timer = setTimeout(() => {
      const expired = this.waiting;
      if (!expired) return;
      expired.timer = undefined;
      this.reject({ generation: expired.generation, failure: expired.failure, reason: `${expired.reason} (still after ${grace / 1000} s)` });
    }, grace);
    timer.unref();
    this.waiting = { generation: rejection.generation, reason: rejection.reason, failure: rejection.failure, since: new Date(), timer };
    this.log.info({ generation: rejection.generation, reason: rejection.reason }, 'routing objects not consistent yet; waiting');
    return 'waiting';
  }

  private stopWaiting(): void {
    clearTimeout(this.waiting?.timer);
    this.waiting = undefined;
  }

  private reject(rejection: RejectionEvent): void {
    this.rejections++;
    this.lastError = { ...rejection, at: new Date() };
    this.log.warn({ generation: rejection.generation, failure: rejection.failure, reason: rejection.reason, serving: this.table?.generation }, 'routing generation rejected; keeping the one served');
    this.emit(this.rejectionListeners, (listener) => listener(rejection));
  }

  private emit<L>(listeners: Set<L>, call: (listener: L) => void): void {
    for (const listener of listeners) {
      try {
        call(listener);
      } catch (error) {
        this.log.error({ err: error }, 'routing listener failed');
      }
    }
  }
}
