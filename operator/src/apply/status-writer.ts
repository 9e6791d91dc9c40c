// Statuses are written in the background, so that 100,000 new statuses never hold up the next
// routing update: the reconcile loop hands over what it computed and moves on. Only the newest
// wanted status of an object is kept, already serialised (a string is a third of the memory of
// the object it came from, and 50,000 may wait); one written moments ago (whose watch event has
// not arrived yet) is not written again.
import { createHash } from 'node:crypto';
import type { StatusUpdate } from '../compile/result.ts';
import { Applier, keyOf } from './applier.ts';

/** After this long a status we wrote but do not observe is written again (someone else changed it). */
const rewriteAfterMs = 30_000;

/** Status writes in flight while routing work is waiting: enough to make progress, few enough not to crowd the API server. */
const whileRoutingWaits = 2;

export interface StatusWriterHooks {
  onWritten(count: number): void;
  onFailed(key: string, error: Error): void;
}

interface PendingStatus {
  ref: { kind: string; namespace: string; name: string };
  body: string;
  hash: string;
  /** When the object began waiting: a newer status for it replaces the body, not this. */
  since: number;
}

export class StatusWriter {
  /** Keys in the order they were first submitted; `pending` holds each one's newest status. */
  private order: string[] = [];
  private next = 0;
  private readonly pending = new Map<string, PendingStatus>();
  private written = new Map<string, { hash: string; at: number }>();
  private lastSweep = Date.now();
  private readonly applier: Applier;
  private readonly concurrency: number;
  private readonly hooks: StatusWriterHooks;
  /** Keys with a write in flight: a newer status for one waits for it, or the older could land last and stay. */
  private readonly writing = new Set<string>();
  /** Keys taken while their earlier write was in flight; queued again when it ends. */
  private readonly deferred = new Set<string>();
  private idleWaiters: Array<() => void> = [];
  private routingFirst = false;

  constructor(applier: Applier, concurrency: number, hooks: StatusWriterHooks) {
    this.applier = applier;
    this.concurrency = concurrency;
    this.hooks = hooks;
  }

  get backlog(): number {
    return this.pending.size + this.writing.size;
  }

  submit(updates: StatusUpdate[], now = Date.now()): void {
    this.sweep(now);
    for (const update of updates) {
      const key = keyOf(update.kind, update.namespace, update.name);
      const body = Applier.statusBody(update);
      const hash = createHash('sha1').update(body).digest('base64');
      const last = this.written.get(key);
      if (last?.hash === hash && now - last.at < rewriteAfterMs) continue;
      const waiting = this.pending.get(key);
      if (!waiting) this.order.push(key);
      this.pending.set(key, { ref: { kind: update.kind, namespace: update.namespace, name: update.name }, body, hash, since: waiting?.since ?? now });
    }
    this.pump();
  }

  /**
   * Routing first: while the controller has routing work waiting (passes back to back: an edit
   * storm, a bulk import between its pauses), statuses trickle; whenever it is idle or paused they
   * go at full concurrency. Each status write costs the API server as much as a user's edit, and
   * a status can wait where a route should not.
   */
  yieldToRouting(yielding: boolean): void {
    this.routingFirst = yielding;
    if (!yielding) this.pump();
  }

  /** How long the status waiting longest has waited: how far behind the routing `kubectl get` is. */
  oldestWaitMs(now = Date.now()): number {
    let since = Number.POSITIVE_INFINITY;
    for (const key of this.deferred) since = Math.min(since, this.pending.get(key)?.since ?? since);
    for (let i = this.next; i < this.order.length; i++) {
      const entry = this.pending.get(this.order[i] ?? '');
      if (entry) {
        since = Math.min(since, entry.since);
        break;
      }
    }
    return since === Number.POSITIVE_INFINITY ? 0 : now - since;
  }

  /** Resolves when nothing is pending or in flight (for shutdown and tests). */
  idle(): Promise<void> {
    return this.backlog === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Forgets writes older than rewriteAfterMs: they no longer stop a rewrite, and 100,000 of them would be kept for nothing. */
  private sweep(now: number): void {
    if (now - this.lastSweep < rewriteAfterMs) return;
    this.lastSweep = now;
    const recent = new Map<string, { hash: string; at: number }>();
    for (const [key, write] of this.written) if (now - write.at < rewriteAfterMs) recent.set(key, write);
    this.written = recent;
  }

  /** The oldest pending key; the order array is compacted once it is mostly consumed. */
  private take(): string | undefined {
    while (this.next < this.order.length) {
      const key = this.order[this.next++];
      if (key !== undefined && this.pending.has(key)) {
        if (this.next > 1024 && this.next * 2 > this.order.length) {
          this.order = this.order.slice(this.next);
          this.next = 0;
        }
        return key;
      }
    }
    this.order = [];
    this.next = 0;
    return undefined;
  }

  private pump(): void {
    while (this.writing.size < (this.routingFirst ? whileRoutingWaits : this.concurrency) && this.pending.size > 0) {
      const key = this.take();
      const entry = key === undefined ? undefined : this.pending.get(key);
      if (key === undefined || !entry) break;
      if (this.writing.has(key)) {
        this.deferred.add(key);
        continue;
      }
      this.pending.delete(key);
      this.writing.add(key);
      void this.applier.writeStatus(entry.ref, entry.body).then(
        () => {
          this.written.set(key, { hash: entry.hash, at: Date.now() });
          this.hooks.onWritten(1);
        },
        (error: unknown) => this.hooks.onFailed(key, error as Error),
      ).finally(() => {
        this.writing.delete(key);
        if (this.deferred.delete(key) && this.pending.has(key)) this.order.push(key);
        this.pump();
        if (this.backlog === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    }
  }
}
