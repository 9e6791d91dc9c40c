// Where the REST API finds a call and asks it to end. A call lives in the worker replica that
// handles it, while the carrier's API Service spreads requests over every replica: with one
// replica the local ledger is the whole truth; with several, calls are shared through Redis
// (redis-call-store.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallLedger, CallRecord, HangUpMode } from '../calls/call-ledger.ts';
import { isFinal } from '../calls/call-ledger.ts';
import type { RedirectOutcome, RedirectTarget } from '../calls/twiml-redirect.ts';
import { matchesQuery } from './call-list.ts';
import type { CallListQuery } from './call-list.ts';

export interface CallLookup {
  find(callSid: string): Promise<CallRecord | undefined>;
  /**
   * Asks the call's worker to end it and resolves with the call once it ended, or as it stands
   * after `settleMs` (a party that has to answer our CANCEL may take a while).
   */
  hangUp(callSid: string, mode: HangUpMode): Promise<CallRecord | undefined>;
  /**
   * Moves the call to new TwiML where it runs. Another replica's call is asked of its owner, which
   * says nothing back: 'redirected' then means asked, and the owner logs a refusal.
   */
  redirect(callSid: string, target: RedirectTarget): Promise<RedirectOutcome>;
  /** The account's calls matching `query`, newest first: at least the `wanted` newest when there are as many. */
  list(accountSid: string, query: CallListQuery, wanted: number): Promise<CallRecord[]>;
  /** Resolves once other replicas' calls are reachable too (a shared store connected), at once for this worker's alone. */
  ready(): Promise<void>;
}

/** The shared store failed or did not answer in time: the API answers 503 rather than "no such call". */
export class CallStoreUnavailable extends Error {}

/** How long a hang-up waits to report the call ended, by default. */
export const HANG_UP_SETTLE_MS = 2000;

/** Reads `read` every 20 ms until it gives an ended call, or `withinMs` has passed; resolves with the last reading. */
export async function untilEnded(read: () => Promise<CallRecord | undefined> | CallRecord | undefined, withinMs: number): Promise<CallRecord | undefined> {
  const deadline = Date.now() + withinMs;
  let call = await read();
  while (call !== undefined && !isFinal(call.status) && Date.now() < deadline) {
    await sleep(20);
    call = await read();
  }
  return call;
}

/** The calls of this worker alone. */
export class LocalCallLookup implements CallLookup {
  readonly #ledger: CallLedger;
  readonly #settleMs: number;

  constructor(ledger: CallLedger, settleMs = HANG_UP_SETTLE_MS) {
    this.#ledger = ledger;
    this.#settleMs = settleMs;
  }

  find(callSid: string): Promise<CallRecord | undefined> {
    return Promise.resolve(this.#ledger.find(callSid));
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  list(accountSid: string, query: CallListQuery, wanted: number): Promise<CallRecord[]> {
    return Promise.resolve(this.#ledger.list(accountSid).filter((call) => matchesQuery(call, query)).slice(0, wanted));
  }

  redirect(callSid: string, target: RedirectTarget): Promise<RedirectOutcome> {
    return Promise.resolve(this.#ledger.redirect(callSid, target));
  }

  async hangUp(callSid: string, mode: HangUpMode): Promise<CallRecord | undefined> {
    if (!this.#ledger.hangUp(callSid, mode)) return this.#ledger.find(callSid);
    return untilEnded(() => this.#ledger.find(callSid), this.#settleMs);
  }
}
