// The calls this worker handles, as Twilio's Call resource describes them: who, which way, the
// status now, when it was answered and ended. The REST API reads them (GET …/Calls/{Sid}.json)
// and ends them (POST with Status=completed or canceled), through the handles the call handling
// registers. Ended calls are kept for a while, so a client that fetches a call after its end
// sees how it ended; the oldest go first beyond a count, so a busy worker's memory stays bounded.
import type { CallStatus, FinalCallStatus } from '../webhook/call-parameters.ts';
import type { RedirectOutcome, RedirectTarget } from './twiml-redirect.ts';

/** outbound-dial: the call a <Dial> noun makes for its parent (Twilio's child call). */
export type CallDirection = 'inbound' | 'outbound-api' | 'outbound-dial';

export interface CallRecord {
  readonly sid: string;
  readonly accountSid: string;
  readonly from: string;
  readonly to: string;
  readonly direction: CallDirection;
  /** For an outbound-dial call: the call whose <Dial> made it. */
  readonly parentCallSid?: string;
  readonly status: CallStatus;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  readonly answeredAt?: number;
  readonly endedAt?: number;
  /** When the status last changed. */
  readonly updatedAt: number;
  /**
   * Where the call's completed status callback goes, if it has one: another replica posts it
   * for a call whose worker died with it (redis-call-store.ts).
   */
  readonly statusCallback?: { readonly url: string; readonly method: 'GET' | 'POST' };
}

/** How the account asks a live call to end (Twilio's Status parameter of an update). */
export type HangUpMode =
  /** Whatever its state: an answered call is hung up, a ringing one cancelled. */
  | 'completed'
  /** Only a call not yet answered; an answered one goes on. */
  | 'canceled';

/**
 * What the call handling gives the ledger to end its call, whatever its state (the ledger learns
 * the end through ended()), and to move it to new TwiML when it can be.
 */
export interface CallHangUp {
  hangUp(): void;
  redirect?(target: RedirectTarget): RedirectOutcome;
}

export interface CallLedgerOptions {
  /** How long an ended call can still be fetched. */
  retentionMs: number;
  /** Ended calls kept at most; the oldest go first. */
  maxEnded: number;
  now?: () => number;
  /** Every change to a record, for a store other replicas read (redis-call-store.ts). */
  onChange?: (record: CallRecord) => void;
}

/** A record's statusCallback field from a webhook, when there is one. */
export const statusCallbackOf = (webhook: { url: string; method: 'GET' | 'POST' } | undefined): Pick<CallRecord, 'statusCallback'> =>
  (webhook === undefined ? {} : { statusCallback: { url: webhook.url, method: webhook.method } });

/** Twilio's rule: canceled ends only a call not yet answered; completed ends any live one. */
export const hangUpApplies = (status: CallStatus, mode: HangUpMode): boolean => !isFinal(status) && (mode === 'completed' || status !== 'in-progress');

export const isFinal = (status: CallStatus): status is FinalCallStatus => status !== 'queued' && status !== 'ringing' && status !== 'in-progress';

export class CallLedger {
  readonly #options: CallLedgerOptions;
  readonly #now: () => number;
  readonly #live = new Map<string, { record: CallRecord; hangUp: CallHangUp }>();
  /** In the order they ended, which is the order they expire in. */
  readonly #ended = new Map<string, CallRecord>();

  constructor(options: CallLedgerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** A call starts: `status` is queued for a call the API placed, ringing for one that came in. */
  opened(facts: Pick<CallRecord, 'sid' | 'accountSid' | 'from' | 'to' | 'direction' | 'parentCallSid' | 'statusCallback'>, status: 'queued' | 'ringing', hangUp: CallHangUp): void {
    const now = this.#now();
    this.#live.set(facts.sid, { record: { ...facts, status, createdAt: now, updatedAt: now }, hangUp });
    this.#changed(facts.sid);
  }

  /** A live call moves on: ringing (the party is being rung), or in-progress (answered). */
  progressed(sid: string, status: 'ringing' | 'in-progress'): void {
    const live = this.#live.get(sid);
    if (!live || live.record.status === status) return;
    const now = this.#now();
    live.record = { ...live.record, status, updatedAt: now, ...(status === 'in-progress' ? { answeredAt: now } : {}) };
    this.#changed(sid);
  }

  /** A call ended, with the status its status callback reports. */
  ended(sid: string, status: FinalCallStatus, end: { answeredAt?: number; endedAt: number }): void {
    const live = this.#live.get(sid);
    if (!live) return;
    this.#live.delete(sid);
    const answeredAt = end.answeredAt ?? live.record.answeredAt;
    const record: CallRecord = { ...live.record, status, endedAt: end.endedAt, updatedAt: end.endedAt, ...(answeredAt === undefined ? {} : { answeredAt }) };
    this.#ended.set(sid, record);
    this.#prune();
    this.#options.onChange?.(record);
  }

  find(sid: string): CallRecord | undefined {
    this.#prune();
    return this.#live.get(sid)?.record ?? this.#ended.get(sid);
  }

  /** The account's calls this worker has, live and ended, newest first. */
  list(accountSid: string): CallRecord[] {
    this.#prune();
    const calls: CallRecord[] = [];
    for (const { record } of this.#live.values()) if (record.accountSid === accountSid) calls.push(record);
    for (const record of this.#ended.values()) if (record.accountSid === accountSid) calls.push(record);
    return calls.sort((a, b) => b.createdAt - a.createdAt);
  }

  /**
   * Asks a live call of this worker to end, if `mode` allows in its state; false when it does not,
   * or the call is not a live one of this worker's (ended, or another's).
   */
  hangUp(sid: string, mode: HangUpMode): boolean {
    const live = this.#live.get(sid);
    if (!live || !hangUpApplies(live.record.status, mode)) return false;
    live.hangUp.hangUp();
    return true;
  }

  /** Moves a live call of this worker's to new TwiML; 'not-live' when it is not one (ended, or another's). */
  redirect(sid: string, target: RedirectTarget): RedirectOutcome {
    const live = this.#live.get(sid);
    if (!live || isFinal(live.record.status)) return 'not-live';
    return live.hangUp.redirect?.(target) ?? 'connected';
  }

  get liveCount(): number {
    return this.#live.size;
  }

  #changed(sid: string): void {
    const record = this.#live.get(sid)?.record;
    if (record) this.#options.onChange?.(record);
  }

  #prune(): void {
    const oldest = this.#now() - this.#options.retentionMs;
    for (const [sid, record] of this.#ended) {
      if (this.#ended.size <= this.#options.maxEnded && (record.endedAt ?? 0) > oldest) break;
      this.#ended.delete(sid);
    }
  }
}
