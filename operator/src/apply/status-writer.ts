// Statuses are written in the background, so that 100,000 new statuses never hold up the next
// routing update: the reconcile loop hands over what it computed and moves on. Only the newest
// wanted status of an object is kept; one written moments ago (whose watch event has not arrived
// yet) is not written again.
import { createHash } from 'node:crypto';
import type { StatusUpdate } from '../compile/result.ts';
import { canonical } from '../compile/status-diff.ts';
import { keyOf, type Applier } from './applier.ts';

/** After this long a status we wrote but do not observe is written again (someone else changed it). */
const rewriteAfterMs = 30_000;

export interface StatusWriterHooks {
  onWritten(count: number): void;
  onFailed(key: string, error: Error): void;
}

export class StatusWriter {
  private readonly pending = new Map<string, { update: StatusUpdate; hash: string }>();
  private readonly written = new Map<string, { hash: string; at: number }>();
  private readonly applier: Applier;
  private readonly concurrency: number;
  private readonly hooks: StatusWriterHooks;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(applier: Applier, concurrency: number, hooks: StatusWriterHooks) {
    this.applier = applier;
    this.concurrency = concurrency;
    this.hooks = hooks;
  }

  get backlog(): number {
    return this.pending.size + this.inFlight;
  }

  submit(updates: StatusUpdate[], now = Date.now()): void {
    for (const update of updates) {
      const key = keyOf(update.kind, update.namespace, update.name);
      const hash = createHash('sha1').update(canonical(update.status)).digest('base64');
      const last = this.written.get(key);
      if (last?.hash === hash && now - last.at < rewriteAfterMs) continue;
      this.pending.set(key, { update, hash });
    }
    this.pump();
  }

  /** Resolves when nothing is pending or in flight (for shutdown and tests). */
  idle(): Promise<void> {
    return this.backlog === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.pending.size > 0) {
      const [key, { update, hash }] = this.pending.entries().next().value as [string, { update: StatusUpdate; hash: string }];
      this.pending.delete(key);
      this.inFlight++;
      void this.applier.writeStatuses([update]).then(({ failed }) => {
        this.inFlight--;
        const failure = failed[0];
        if (failure) this.hooks.onFailed(key, failure.error);
        else {
          this.written.set(key, { hash, at: Date.now() });
          this.hooks.onWritten(1);
        }
        this.pump();
        if (this.backlog === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    }
  }
}
