// Calls shared by a carrier's worker replicas through Redis (the registrar's), so that the REST
// API answers for a call whichever replica the API Service sent the request to. Each replica
// writes its calls as it handles them (a key per call, expiring once the call has been ended for
// the retention time) and listens on a channel of its own; a replica asked to end another's call
// publishes the request there, and the owner ends it as it would its own. Each also stamps a
// heartbeat, by which the others tell the live calls of a replica that died (call-owner.ts);
// every replica looks through the carrier's live calls now and then for such orphans, and the
// first to claim one writes it ended and has its completed status callback posted (onOrphan).
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Counter } from 'prom-client';
import { z } from 'zod';
import type { CallLedger, CallRecord, HangUpMode } from '../calls/call-ledger.ts';
import type { RedirectOutcome, RedirectTarget } from '../calls/twiml-redirect.ts';
import { hangUpApplies, isFinal } from '../calls/call-ledger.ts';
import { CALL_STATUSES } from '../webhook/call-parameters.ts';
import type { WorkerLogger } from '../worker/logger.ts';
import { answerWithin, watchAvailability, workerRedisClient } from '../worker/redis-connection.ts';
import { callAsOwnerLeftIt, DEFAULT_HEARTBEAT, ownerHeartbeat } from './call-owner.ts';
import type { HeartbeatTiming, OwnerHeartbeat } from './call-owner.ts';
import { CallStoreUnavailable, HANG_UP_SETTLE_MS, LocalCallLookup, untilEnded } from './call-lookup.ts';
import { matchesQuery } from './call-list.ts';
import type { CallListQuery } from './call-list.ts';
import type { CallLookup } from './call-lookup.ts';

export interface RedisCallStoreOptions {
  url: string;
  carrier: string;
  /** This replica's name in the store (its SIP sent-by), which its calls' records carry. */
  worker: string;
  ledger: CallLedger;
  /** How long a call is kept once ended, as the ledger keeps it. */
  retentionMs: number;
  /** How long a call can last: a live call's key outlives its worker by no more than this. */
  maxCallMs: number;
  timeoutMs?: number;
  settleMs?: number;
  heartbeat?: Partial<HeartbeatTiming>;
  log: WorkerLogger;
  /** Counts what failed for want of Redis, by operation. */
  failures?: Pick<Counter<'operation'>, 'inc'>;
  /** A live call of a replica that died with it, just ended here (once across the replicas): its status callback is posted from it. */
  onOrphan?: (call: CallRecord) => void;
}

// Parsed at the boundary: another worker version may have written the key.
const storedCall = z.object({
  worker: z.string(),
  /** The worker's run that wrote it; absent from versions that stamp no heartbeat. */
  instance: z.string().optional(),
  call: z.object({
    sid: z.string(),
    accountSid: z.string(),
    from: z.string(),
    to: z.string(),
    direction: z.enum(['inbound', 'outbound-api', 'outbound-dial']),
    status: z.enum(CALL_STATUSES),
    createdAt: z.number(),
    answeredAt: z.number().optional(),
    endedAt: z.number().optional(),
    updatedAt: z.number(),
    parentCallSid: z.string().optional(),
    statusCallback: z.object({ url: z.string(), method: z.enum(['GET', 'POST']) }).optional(),
  }),
});
type StoredCall = z.infer<typeof storedCall>;

/** An account's index is trimmed of calls past their time at most this often by each worker. */
const INDEX_TRIM_INTERVAL_MS = 60_000;
/** A list reads the account's newest calls this many at a time, and never more than MAX_LISTED of them. */
const LIST_BATCH = 500;
const MAX_LISTED = 10_000;

/** At most this many live calls are looked through for orphans a pass, oldest first. */
const ORPHAN_SCAN = 2000;

/** How long a closing store waits for its writes in flight. */
const CLOSE_WAIT_MS = 1000;

// What one replica asks another of a call on the owner's channel: to end it, or to move it to new TwiML.
const callRequest = z.union([
  z.object({ sid: z.string(), mode: z.enum(['completed', 'canceled']) }),
  z.object({ sid: z.string(), redirect: z.union([z.object({ url: z.string(), method: z.enum(['GET', 'POST']) }), z.object({ twiml: z.string() })]) }),
]);

export class RedisCallStore implements CallLookup {
  readonly #options: RedisCallStoreOptions;
  readonly #local: LocalCallLookup;
  readonly #client;
  readonly #subscriber;
  readonly #timeoutMs: number;
  readonly #availability: { readonly down: boolean };
  readonly #heartbeat: HeartbeatTiming;
  /** Tells this run's calls from an earlier run's at the same address. */
  readonly #instance = randomUUID();
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #reapTimer: NodeJS.Timeout | undefined;
  #closed = false;
  /** When this worker last trimmed each account's index. */
  readonly #trimmedAt = new Map<string, number>();
  #started: Promise<void> | undefined;

  constructor(options: RedisCallStoreOptions) {
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? 1000;
    this.#heartbeat = { ...DEFAULT_HEARTBEAT, ...options.heartbeat };
    this.#local = new LocalCallLookup(options.ledger, options.settleMs ?? HANG_UP_SETTLE_MS);
    this.#client = workerRedisClient(options.url);
    this.#availability = watchAvailability(this.#client, options.log, {
      unavailable: 'call store (Redis) unavailable: other replicas cannot see or end this one\'s calls until it is back',
      available: 'call store (Redis) available again',
    });
    // A subscribed connection takes no other commands, so the channel has one of its own.
    this.#subscriber = this.#client.duplicate();
    this.#subscriber.on('error', () => undefined);
    // Stamped as soon as Redis is up (again), before the calls written since can be judged by it.
    this.#client.on('ready', () => this.#stampHeartbeat());
  }

  /**
   * Connects and listens for other replicas' hang-up requests, in the background: a worker starts
   * (and serves its own calls) while Redis is still on its way, since the client retries until it
   * is up. Resolves once both connections are, or the store is closed first. The client subscribes
   * again by itself after a reconnection.
   */
  start(): Promise<void> {
    this.#started ??= this.#connect();
    return this.#started;
  }

  ready(): Promise<void> {
    return this.start();
  }

  #connect(): Promise<void> {
    this.#heartbeatTimer = setInterval(() => this.#stampHeartbeat(), this.#heartbeat.renewMs);
    this.#heartbeatTimer.unref();
    // As often as a replica can die unseen, each at its own moment.
    this.#reapTimer = setInterval(() => {
      this.reapOrphans().catch((error: unknown) => this.#options.log.error({ err: error }, 'call store: looking for calls of replicas that are gone failed'));
    }, this.#heartbeat.goneAfterMs * (0.8 + Math.random() * 0.4));
    this.#reapTimer.unref();
    const failed = (what: string) => (error: unknown) => {
      if (this.#closed) return;
      this.#options.log.warn({ err: error }, what);
    };
    return Promise.all([
      this.#client.connect().then(() => undefined, failed('call store (Redis) connect failed')),
      this.#subscriber
        .connect()
        .then(() => this.#subscriber.subscribe(this.#channel(this.#options.worker), (message) => this.#onCallRequest(message)))
        .catch(failed('call store (Redis): not listening for hang-up requests from other replicas')),
    ]).then(() => undefined);
  }

  /**
   * Writes a call as it changes, and files a new one in its account's index (trimmed of calls
   * past their time at most once a minute an account); not awaited by the call, which never
   * waits for Redis.
   */
  record(call: CallRecord): void {
    const ttlMs = isFinal(call.status) ? this.#options.retentionMs : this.#keptMs();
    const value = JSON.stringify({ worker: this.#options.worker, instance: this.#instance, call } satisfies StoredCall);
    const failed = (error: unknown) => {
      this.#options.failures?.inc({ operation: 'write' });
      if (!this.#availability.down) this.#options.log.warn({ err: error, callSid: call.sid }, 'call not written to the call store');
    };
    this.#client.set(this.#key(call.sid), value, { expiration: { type: 'PX', value: ttlMs } }).catch(failed);
    if (isFinal(call.status)) this.#client.zRem(this.#liveKey(), call.sid).catch(failed);
    if (call.updatedAt !== call.createdAt) return;
    this.#client.zAdd(this.#liveKey(), { score: call.createdAt, value: call.sid }).catch(failed);
    const index = this.#accountKey(call.accountSid);
    this.#client.zAdd(index, { score: call.createdAt, value: call.sid }).catch(failed);
    const now = Date.now();
    if ((this.#trimmedAt.get(call.accountSid) ?? 0) > now - INDEX_TRIM_INTERVAL_MS) return;
    this.#trimmedAt.set(call.accountSid, now);
    this.#client.zRemRangeByScore(index, '-inf', now - this.#keptMs()).catch(failed);
    this.#client.pExpire(index, this.#keptMs()).catch(failed);
  }

  list(accountSid: string, query: CallListQuery, wanted: number): Promise<CallRecord[]> {
    return this.#counted('list', this.#list(accountSid, query, wanted));
  }

  async #list(accountSid: string, query: CallListQuery, wanted: number): Promise<CallRecord[]> {
    const matching: CallRecord[] = [];
    const now = Date.now();
    // The index is by creation, which is a call's start time: a StartTime filter narrows what is read.
    const oldest = Math.max(now - this.#keptMs(), query.started?.from ?? 0);
    const newest = query.started?.until ?? '+inf';
    for (let offset = 0; offset < MAX_LISTED && matching.length < wanted; offset += LIST_BATCH) {
      const sids = await this.#bounded(this.#client.zRange(this.#accountKey(accountSid), newest, oldest, { BY: 'SCORE', REV: true, LIMIT: { offset, count: LIST_BATCH } }));
      if (sids.length === 0) break;
      const values = await this.#bounded(this.#client.mGet(sids.map((sid) => this.#key(sid))));
      const stored = values.flatMap((value) => (value === null ? [] : (this.#parse(value) ?? [])));
      for (const call of await this.#judged(stored, now)) if (matchesQuery(call, query)) matching.push(call);
      if (sids.length < LIST_BATCH) break;
    }
    return matching.slice(0, wanted);
  }

  async find(callSid: string): Promise<CallRecord | undefined> {
    return this.#options.ledger.find(callSid) ?? (await this.#counted('read', this.#readJudged(callSid)))?.call;
  }

  hangUp(callSid: string, mode: HangUpMode): Promise<CallRecord | undefined> {
    if (this.#options.ledger.find(callSid)) return this.#local.hangUp(callSid, mode);
    return this.#counted('hang-up', this.#hangUpElsewhere(callSid, mode));
  }

  redirect(callSid: string, target: RedirectTarget): Promise<RedirectOutcome> {
    if (this.#options.ledger.find(callSid)) return this.#local.redirect(callSid, target);
    return this.#counted('redirect', this.#redirectElsewhere(callSid, target));
  }

  async #redirectElsewhere(callSid: string, target: RedirectTarget): Promise<RedirectOutcome> {
    const found = await this.#readJudged(callSid);
    if (!found || isFinal(found.call.status)) return 'not-live';
    const heard = await this.#bounded(this.#client.publish(this.#channel(found.worker), JSON.stringify({ sid: callSid, redirect: target })));
    return heard === 0 ? 'not-live' : 'redirected';
  }

  /** Another replica's call (or none): asked of its owner over the owner's channel. */
  async #hangUpElsewhere(callSid: string, mode: HangUpMode): Promise<CallRecord | undefined> {
    const found = await this.#readJudged(callSid);
    if (!found || !hangUpApplies(found.call.status, mode)) return found?.call;
    const heard = await this.#bounded(this.#client.publish(this.#channel(found.worker), JSON.stringify({ sid: callSid, mode })));
    // Nobody listens on the owner's channel: it is gone, and its calls with it; the record says what it knew.
    if (heard === 0) return found.call;
    return untilEnded(async () => (await this.#readJudged(callSid))?.call, this.#options.settleMs ?? HANG_UP_SETTLE_MS);
  }

  /**
   * Looks through the carrier's live calls for those whose worker has stamped no heartbeat for
   * reapAfterMs (call-owner.ts) and ends each this replica is first to claim: its record written
   * ended, onOrphan told. Runs every 15 s or so on each replica; resolves with how many it ended.
   */
  async reapOrphans(): Promise<number> {
    if (this.#closed || !this.#client.isReady) return 0;
    try {
      const sids = await this.#bounded(this.#client.zRange(this.#liveKey(), 0, ORPHAN_SCAN - 1));
      if (sids.length === 0) return 0;
      const values = await this.#bounded(this.#client.mGet(sids.map((sid) => this.#key(sid))));
      const stored: StoredCall[] = [];
      const gone: string[] = [];
      values.forEach((value, index) => {
        const found = value === null ? undefined : this.#parse(value);
        if (found === undefined || isFinal(found.call.status)) gone.push(sids[index] ?? '');
        else stored.push(found);
      });
      if (gone.length > 0) await this.#bounded(this.#client.zRem(this.#liveKey(), gone));
      const judged = await this.#judged(stored, Date.now(), this.#heartbeat.reapAfterMs);
      let reaped = 0;
      for (const [index, call] of judged.entries()) {
        if (!isFinal(call.status) || this.#options.ledger.find(call.sid)) continue;
        if (await this.#reap(stored[index] as StoredCall, call)) reaped++;
      }
      return reaped;
    } catch (error) {
      if (!(error instanceof CallStoreUnavailable)) throw error;
      this.#options.failures?.inc({ operation: 'reap' });
      return 0;
    }
  }

  /** Ends one orphan if this replica claims it first: false when another did. */
  async #reap(stored: StoredCall, ended: CallRecord): Promise<boolean> {
    const claimed = await this.#bounded(this.#client.set(`${this.#key(ended.sid)}:reaped`, this.#options.worker, { condition: 'NX', expiration: { type: 'PX', value: this.#keptMs() } }));
    if (claimed === null) return false;
    await this.#bounded(this.#client.set(this.#key(ended.sid), JSON.stringify({ ...stored, call: ended } satisfies StoredCall), { expiration: { type: 'PX', value: this.#options.retentionMs } }));
    await this.#bounded(this.#client.zRem(this.#liveKey(), ended.sid));
    this.#options.log.info({ callSid: ended.sid, worker: stored.worker, status: ended.status }, 'a call whose replica is gone ended here');
    this.#options.onOrphan?.(ended);
    return true;
  }

  /**
   * Lets the writes in flight land first (the calls a stopping worker just hung up, which would
   * otherwise read in-progress until their keys expire), for at most a second.
   */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#heartbeatTimer);
    clearInterval(this.#reapTimer);
    if (this.#subscriber.isOpen) this.#subscriber.destroy();
    if (!this.#client.isReady) {
      if (this.#client.isOpen) this.#client.destroy();
      return;
    }
    await Promise.race([this.#client.close().catch(() => undefined), sleep(CLOSE_WAIT_MS, undefined, { ref: false })]);
    if (this.#client.isOpen) this.#client.destroy();
  }

  #onCallRequest(message: string): void {
    let request: z.infer<typeof callRequest>;
    try {
      request = callRequest.parse(JSON.parse(message));
    } catch {
      this.#options.log.warn('call store: an unreadable request from another replica; ignored');
      return;
    }
    if ('redirect' in request) {
      const outcome = this.#options.ledger.redirect(request.sid, request.redirect);
      if (outcome !== 'redirected') this.#options.log.info({ callSid: request.sid, outcome }, 'redirect asked by another replica not done');
      return;
    }
    if (!this.#options.ledger.hangUp(request.sid, request.mode)) this.#options.log.debug({ callSid: request.sid }, 'hang-up request for a call no longer here');
  }

  #stampHeartbeat(): void {
    if (this.#closed || !this.#client.isReady) return;
    const heartbeat: OwnerHeartbeat = { instance: this.#instance, seenAt: Date.now() };
    // It outlives any record of this run's calls, so a call never outlasts the proof its owner is gone.
    this.#client.set(this.#heartbeatKey(this.#options.worker), JSON.stringify(heartbeat), { expiration: { type: 'PX', value: this.#keptMs() } }).catch((error: unknown) => {
      this.#options.failures?.inc({ operation: 'heartbeat' });
      if (!this.#availability.down) this.#options.log.warn({ err: error }, `call store: heartbeat not stamped; other replicas read this one's live calls as ended after ${this.#heartbeat.goneAfterMs} ms without one`);
    });
  }

  /** The calls as their owners left them: a live call of a replica that is gone reads ended. */
  async #judged(stored: readonly StoredCall[], now: number, goneAfterMs = this.#heartbeat.goneAfterMs): Promise<CallRecord[]> {
    const owners = [...new Set(stored.filter(({ call, instance }) => instance !== undefined && !isFinal(call.status)).map(({ worker }) => worker))];
    if (owners.length === 0) return stored.map(({ call }) => call);
    const values = await this.#bounded(this.#client.mGet(owners.map((worker) => this.#heartbeatKey(worker))));
    const heartbeats = new Map<string, OwnerHeartbeat>();
    owners.forEach((worker, index) => {
      const parsed = ownerHeartbeat.safeParse(parseJson(values[index]));
      if (parsed.success) heartbeats.set(worker, parsed.data);
    });
    return stored.map(({ worker, instance, call }) => callAsOwnerLeftIt(call, instance, heartbeats.get(worker), now, goneAfterMs));
  }

  /** Another replica's call as its owner left it (call-owner.ts), with the owner it names. */
  async #readJudged(callSid: string): Promise<{ worker: string; call: CallRecord } | undefined> {
    const stored = await this.#read(callSid);
    const call = stored === undefined ? undefined : (await this.#judged([stored], Date.now()))[0];
    return stored === undefined || call === undefined ? undefined : { worker: stored.worker, call };
  }

  async #read(callSid: string): Promise<StoredCall | undefined> {
    const raw = await this.#bounded(this.#client.get(this.#key(callSid)));
    return raw === null ? undefined : this.#parse(raw);
  }

  #parse(raw: string): StoredCall | undefined {
    let parsed;
    try {
      parsed = storedCall.safeParse(JSON.parse(raw));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) {
      this.#options.log.warn({ issue: parsed?.error.issues[0]?.message ?? 'not JSON' }, 'call store holds a call this worker cannot read; skipped');
      return undefined;
    }
    return parsed.data;
  }

  /** How long a live call's key may outlive its worker, and so how far back an account's index reaches. */
  #keptMs(): number {
    return this.#options.maxCallMs + this.#options.retentionMs;
  }

  #accountKey(accountSid: string): string {
    return `switchyard:calls:{${this.#options.carrier}}:account:${accountSid}`;
  }

  // A carrier's keys share a hash tag, as the registrar's presence keys do.
  #key(callSid: string): string {
    return `switchyard:calls:{${this.#options.carrier}}:${callSid}`;
  }

  /** The carrier's live calls by creation, which the orphan pass looks through. */
  #liveKey(): string {
    return `switchyard:calls:{${this.#options.carrier}}:live`;
  }

  #heartbeatKey(worker: string): string {
    return `switchyard:calls:{${this.#options.carrier}}:worker:${worker}`;
  }

  #channel(worker: string): string {
    return `switchyard:call-control:{${this.#options.carrier}}:${worker}`;
  }

  /** `work`, its failure for want of Redis counted. */
  async #counted<T>(operation: string, work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (error) {
      if (error instanceof CallStoreUnavailable) this.#options.failures?.inc({ operation });
      throw error;
    }
  }

  #bounded<T>(work: Promise<T>): Promise<T> {
    return answerWithin(work, this.#timeoutMs, (detail) => new CallStoreUnavailable(detail));
  }
}

function parseJson(text: string | null | undefined): unknown {
  if (text === null || text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
