// The one writer. Every change goes through server-side apply under one field manager; an object
// whose last applied intent (a hash in an annotation) equals the desired one is not written at
// all, so a steady state costs no requests.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { handedOverField, type DesiredObject } from '../compile/desired.ts';
import { fieldManager } from '../compile/names.ts';
import type { StatusUpdate, TransitionEvent } from '../compile/result.ts';
import { applyPatchContentType, applyPatchText } from '../../../api/kube/apply-patch.ts';
import { ApiError, type ApiClient } from '../../../api/kube/client.ts';
import { collectionPath, objectPath, resourceOf } from '../kube/resources.ts';
import { handOverField } from './field-handover.ts';
import { inPool } from './pool.ts';

export const appliedHashAnnotation = 'telecom.switchyard.dev/applied-hash';

export interface OwnedObjectIndex {
  /** The owned object as last seen by the watch (the hash of the intent it was applied with), or undefined. */
  get(kind: string, namespace: string, name: string): { appliedHash: string | undefined } | undefined;
  /** Every owned object currently seen, for pruning. */
  all(): Array<{ kind: string; namespace: string; name: string; ownedBySwitchyard: boolean }>;
}

export interface ApplyOutcome {
  writes: number;
  /** Keys (Kind/namespace/name) whose write failed and should be retried with backoff. */
  failed: Array<{ key: string; error: Error }>;
}

export const keyOf = (kind: string, namespace: string, name: string) => `${kind}/${namespace}/${name}`;

/**
 * The hash of what we apply: its JSON with sorted keys, where a large string (a shard's 60 KiB of
 * JSON) stands in as its own sha256 rather than being copied, escaped, into the serialisation.
 */
export function intentHash(object: DesiredObject): string {
  const text = JSON.stringify(object, (_key, value: unknown) => {
    if (typeof value === 'string' && value.length > 4096) return `sha256:${createHash('sha256').update(value).digest('hex')}`;
    if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)));
  });
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

export class Applier {
  private readonly client: ApiClient;
  private readonly owned: OwnedObjectIndex;
  private readonly log: Logger;
  private readonly concurrency: number;
  private readonly identity: string;
  /** What this process applied last, so a second reconcile before the watch catches up writes nothing. */
  private readonly recentlyApplied = new Map<string, string>();
  /** Desired objects with their hash, by identity: a shard unchanged since the last pass is the same object and is not hashed again. */
  private readonly hashed = new WeakMap<DesiredObject, DesiredObject>();

  constructor(client: ApiClient, owned: OwnedObjectIndex, log: Logger, options: { concurrency: number; identity: string }) {
    this.client = client;
    this.owned = owned;
    this.log = log;
    this.concurrency = options.concurrency;
    this.identity = options.identity;
  }

  /** Server-side applies each phase in turn; a phase waits for the one before it. `phaseMs`: how long each phase took (for the log). */
  async apply(phases: DesiredObject[][]): Promise<ApplyOutcome & { phaseMs: number[] }> {
    const outcome: ApplyOutcome & { phaseMs: number[] } = { writes: 0, failed: [], phaseMs: [] };
    for (const phase of phases) {
      const started = performance.now();
      const pending = phase.map((object) => this.withHash(object)).filter((object) => !this.isCurrent(object));
      let handoverWrites = 0;
      const results = await inPool(pending, this.concurrency, async (object) => {
        const { kind, metadata } = object;
        const handover = object[handedOverField];
        if (handover) handoverWrites += await handOverField(this.client, object, handover);
        await this.client.request('PATCH', `${objectPath(kind, metadata.namespace, metadata.name)}?fieldManager=${fieldManager}&force=true`, object, applyPatchContentType, { discardBody: true });
        this.recentlyApplied.set(keyOf(kind, metadata.namespace, metadata.name), metadata.annotations?.[appliedHashAnnotation] ?? '');
      });
      outcome.writes += pending.length + handoverWrites;
      outcome.phaseMs.push(Math.round(performance.now() - started));
      this.collectFailures(pending.map((o) => keyOf(o.kind, o.metadata.namespace, o.metadata.name)), results, outcome);
      // The manifest must never name shards that failed to land.
      if (outcome.failed.length > 0) break;
    }
    return outcome;
  }

  /** Creates objects that must be written exactly once (auth tokens); an existing one is left alone. */
  async createOnce(objects: DesiredObject[]): Promise<ApplyOutcome> {
    const outcome: ApplyOutcome = { writes: 0, failed: [] };
    const pending = objects.filter((object) => !this.owned.get(object.kind, object.metadata.namespace, object.metadata.name));
    const results = await inPool(pending, this.concurrency, async (object) => {
      try {
        await this.client.request('POST', `${collectionPath(object.kind, object.metadata.namespace)}?fieldManager=${fieldManager}`, object);
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 409)) throw error;
      }
    });
    outcome.writes += pending.length;
    this.collectFailures(pending.map((o) => keyOf(o.kind, o.metadata.namespace, o.metadata.name)), results, outcome);
    return outcome;
  }

  /** The body of a status write: server-side apply of the status alone. */
  static statusBody(update: StatusUpdate): string {
    return applyPatchText({ apiVersion: resourceOf(update.kind).apiVersion, kind: update.kind, metadata: { name: update.name, namespace: update.namespace }, status: update.status });
  }

  /** Writes one status (a body from statusBody); an object deleted since it was observed is no error. */
  async writeStatus(ref: { kind: string; namespace: string; name: string }, body: string): Promise<void> {
    try {
      // The background lane: statuses never hold up routing writes or lease renewals.
      await this.client.request('PATCH', `${objectPath(ref.kind, ref.namespace, ref.name)}/status?fieldManager=${fieldManager}&force=true`, body, applyPatchContentType, { lane: 'background', discardBody: true });
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
  }

  /** Deletes owned objects the compile no longer wants (a shard too many, push turned off). */
  async prune(desired: Set<string>): Promise<ApplyOutcome> {
    const outcome: ApplyOutcome = { writes: 0, failed: [] };
    const stale = this.owned.all().filter((object) => object.ownedBySwitchyard && !desired.has(keyOf(object.kind, object.namespace, object.name)));
    const results = await inPool(stale, this.concurrency, async (object) => {
      try {
        await this.client.request('DELETE', objectPath(object.kind, object.namespace, object.name));
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 404)) throw error;
      }
      this.log.info({ kind: object.kind, namespace: object.namespace, name: object.name }, 'deleted owned object no longer desired');
    });
    outcome.writes += stale.length;
    this.collectFailures(stale.map((o) => keyOf(o.kind, o.namespace, o.name)), results, outcome);
    return outcome;
  }

  /** Events are best effort: a lost event must never fail a reconcile. */
  async emit(events: TransitionEvent[], now: Date): Promise<void> {
    await inPool(events, this.concurrency, async (event) => {
      const time = now.toISOString();
      const { regarding } = event;
      await this.client
        .request('POST', collectionPath('Event', regarding.namespace), {
          apiVersion: 'v1', kind: 'Event',
          metadata: { generateName: `${regarding.name}.`, namespace: regarding.namespace },
          involvedObject: { apiVersion: resourceOf(regarding.kind).apiVersion, kind: regarding.kind, name: regarding.name, namespace: regarding.namespace, uid: regarding.uid },
          type: event.type, reason: event.reason, message: event.message.slice(0, 1024),
          source: { component: fieldManager }, reportingComponent: fieldManager, reportingInstance: this.identity,
          firstTimestamp: time, lastTimestamp: time, count: 1,
        })
        .catch((error: unknown) => {
          // A namespace being deleted refuses new content; its objects' events no longer matter.
          const terminating = error instanceof ApiError && error.status === 403 && error.message.includes('being terminated');
          if (!terminating) this.log.warn({ err: error, regarding }, 'could not record event');
        });
    });
  }

  private withHash(object: DesiredObject): DesiredObject {
    let hashed = this.hashed.get(object);
    if (!hashed) {
      const hash = intentHash(object);
      hashed = { ...object, metadata: { ...object.metadata, annotations: { ...object.metadata.annotations, [appliedHashAnnotation]: hash } } };
      this.hashed.set(object, hashed);
    }
    return hashed;
  }

  /** Current when the watch still sees the object and it carries (or we just applied) this intent; a deleted object is re-created. */
  private isCurrent(object: DesiredObject): boolean {
    const { kind, metadata } = object;
    const seen = this.owned.get(kind, metadata.namespace, metadata.name);
    if (!seen) return false;
    const hash = metadata.annotations?.[appliedHashAnnotation];
    return seen.appliedHash === hash || this.recentlyApplied.get(keyOf(kind, metadata.namespace, metadata.name)) === hash;
  }

  private collectFailures(keys: string[], results: PromiseSettledResult<void>[], outcome: ApplyOutcome): void {
    results.forEach((result, i) => {
      if (result.status === 'rejected') outcome.failed.push({ key: keys[i] ?? '?', error: result.reason as Error });
    });
  }
}
