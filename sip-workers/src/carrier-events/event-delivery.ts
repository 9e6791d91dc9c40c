// Delivers events to the carrier's event webhook: each POST signed with an HS256 token (iss
// Switchyard, exp 5 minutes after iat, as Somleng signs with iss Somleng), retried with doubling
// delays while the receiver fails, a bounded number kept waiting. The queue lives in this worker
// only: a receiver down for longer than the retries, or a worker stopped with events still
// waiting, loses them, and the metrics say how many. Calls never wait for any of it.
import { createSecretKey } from 'node:crypto';
import type { Counter, Gauge } from 'prom-client';
import { signJwt } from '../push/json-web-token.ts';
import type { EventWebhook } from '../routing/routing-view.ts';
import { httpExchange, type HttpExchangeRequest, type HttpExchangeResult } from '../webhook/http-exchange.ts';
import type { WorkerLogger } from '../worker/logger.ts';
import { DeliveryHealth } from './delivery-health.ts';
import type { CarrierEvent } from './phone-call-event.ts';

export interface EventDeliverySettings {
  /** One POST, redirects included. */
  readonly timeoutMs: number;
  /** Waits before each retry; their count is the number of retries. */
  readonly retryDelaysMs: readonly number[];
  /** Events kept waiting at most; past it the one waiting longest gives way. */
  readonly maxPending: number;
  /** POSTs in flight at once. */
  readonly concurrency: number;
}

/** 10 attempts over about 8.5 minutes. */
export const DEFAULT_EVENT_DELIVERY: EventDeliverySettings = {
  timeoutMs: 10_000,
  retryDelaysMs: [1, 2, 4, 8, 16, 32, 64, 128, 256].map((seconds) => seconds * 1000),
  maxPending: 10_000,
  concurrency: 16,
};

export interface EventDeliveryMetrics {
  readonly carrierEvents: Counter<'outcome'>;
  readonly carrierEventAttempts: Counter<'result'>;
  readonly carrierEventsPending: Gauge;
}

interface Queued {
  readonly event: CarrierEvent;
  /** POSTs made so far. */
  attempts: number;
  retry?: NodeJS.Timeout;
}

type Send = (request: HttpExchangeRequest) => Promise<HttpExchangeResult>;

const TOKEN_LIFETIME_SECONDS = 300;
const TOKEN_REUSE_MS = 60_000;

/** A 4xx other than 408 and 429 says the receiver will not take this event, however often it is sent. */
const isRefusal = (status: number) => status >= 400 && status < 500 && status !== 408 && status !== 429;

export class CarrierEventDelivery {
  readonly #settings: EventDeliverySettings;
  /** The webhook as the routing generation now being served has it: a rotated secret or a new URL applies to retries too. */
  readonly #webhook: () => EventWebhook | undefined;
  readonly #metrics: EventDeliveryMetrics;
  readonly #log: WorkerLogger;
  readonly #send: Send;
  readonly #ready: Queued[] = [];
  /** Waiting for a retry, oldest first (Set keeps insertion order). */
  readonly #waiting = new Set<Queued>();
  #inFlight = 0;
  #closing = false;
  /** Full since it last drained to half: said once per episode. */
  #full = false;
  #cachedToken: { signingSecret: string; signedAt: number; token: string } | undefined;
  /** What the worker's Lease reports of the deliveries. */
  readonly health = new DeliveryHealth();
  #idle: Array<() => void> = [];

  constructor(settings: EventDeliverySettings | undefined, webhook: () => EventWebhook | undefined, metrics: EventDeliveryMetrics, log: WorkerLogger, send: Send = httpExchange) {
    this.#settings = settings ?? DEFAULT_EVENT_DELIVERY;
    this.#webhook = webhook;
    this.#metrics = metrics;
    this.#log = log;
    this.#send = send;
    this.health.onChange(() => {
      const report = this.health.report();
      if (report?.state === 'failing') log.warn({ url: report.url, why: report.reason, since: report.since }, 'carrier event webhook failing: events are retried for about 8.5 minutes, then dropped (switchyard_carrier_events_total)');
      else if (report) log.info({ url: report.url }, 'carrier event webhook delivering');
    });
  }

  /** Whether the routing being served names an event webhook: calls report to it only then. */
  get enabled(): boolean {
    return this.#webhook() !== undefined;
  }

  get pending(): number {
    return this.#ready.length + this.#waiting.size + this.#inFlight;
  }

  enqueue(event: CarrierEvent): void {
    if (this.#closing) return this.#finish(event, 'dropped', 'the worker is stopping');
    if (this.pending >= this.#settings.maxPending) {
      if (!this.#full) this.#log.warn({ maxPending: this.#settings.maxPending }, 'carrier event queue full: the events waiting longest are dropped for new ones');
      this.#full = true;
      const oldest = this.#waiting.values().next().value ?? this.#ready.shift();
      if (oldest === undefined) return this.#finish(event, 'dropped', 'the event queue is full');
      clearTimeout(oldest.retry);
      this.#waiting.delete(oldest);
      this.#finish(oldest.event, 'dropped', 'the event queue is full');
    }
    this.#ready.push({ event, attempts: 0 });
    this.#pump();
  }

  /**
   * Stops retrying: every waiting event gets one last attempt now, and whatever is still
   * undelivered when `deadlineMs` passes is dropped.
   */
  async close(deadlineMs: number): Promise<void> {
    this.#closing = true;
    for (const queued of this.#waiting) {
      clearTimeout(queued.retry);
      this.#ready.push(queued);
    }
    this.#waiting.clear();
    this.#pump();
    if (this.pending === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.#idle.push(resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs))),
    ]);
    clearTimeout(timer);
    for (const queued of this.#ready.splice(0)) this.#finish(queued.event, 'dropped', 'the worker stopped first');
  }

  #pump(): void {
    while (this.#inFlight < this.#settings.concurrency) {
      const queued = this.#ready.shift();
      if (queued === undefined) break;
      this.#inFlight++;
      // #attempt reports failures as outcomes; this only keeps a bug from becoming an unhandled rejection.
      void this.#attempt(queued).catch((error: unknown) => this.#finish(queued.event, 'failed', String(error))).finally(() => {
        this.#inFlight--;
        this.#pump();
      });
    }
    this.#metrics.carrierEventsPending.set(this.pending);
    if (this.#full && this.pending <= this.#settings.maxPending / 2) this.#full = false;
    if (this.pending === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  async #attempt(queued: Queued): Promise<void> {
    const webhook = this.#webhook();
    if (webhook === undefined) return this.#finish(queued.event, 'dropped', 'the Carrier no longer has an event webhook');
    // Admission checks the URL; routing state from elsewhere (a directory) might still hold a bad one.
    if (!URL.canParse(webhook.url)) return this.#finish(queued.event, 'refused', `not a URL: ${webhook.url}`);
    queued.attempts++;
    const result = await this.#send({
      url: new URL(webhook.url),
      method: 'POST',
      headers: eventHeaders(this.#token(webhook.signingSecret, Date.now())),
      body: queued.event.body,
      timeoutMs: this.#settings.timeoutMs,
      maxBodyBytes: 64 * 1024,
      responseBody: 'discard',
    });
    const status = result.kind === 'response' ? result.status : undefined;
    this.#metrics.carrierEventAttempts.inc({ result: status === undefined ? (result.kind === 'error' ? 'error' : result.kind) : String(status) });
    if (status !== undefined && status >= 200 && status < 300) {
      this.health.delivered(webhook.url, Date.now());
      return this.#finish(queued.event, 'delivered');
    }
    const why = status === undefined ? (result.kind === 'error' ? result.error.message : result.kind) : `HTTP ${status}`;
    this.health.failed(webhook.url, why, Date.now());
    if (status !== undefined && isRefusal(status)) return this.#finish(queued.event, 'refused', why);
    const delay = this.#settings.retryDelaysMs[queued.attempts - 1];
    if (delay === undefined || this.#closing) return this.#finish(queued.event, this.#closing ? 'dropped' : 'failed', why);
    this.#log.debug({ eventId: queued.event.id, attempts: queued.attempts, delayMs: delay, why }, 'event webhook failed; retrying');
    this.#waiting.add(queued);
    queued.retry = setTimeout(() => {
      this.#waiting.delete(queued);
      this.#ready.push(queued);
      this.#pump();
    }, delay);
    queued.retry.unref();
  }

  /**
   * One token serves every POST for a minute (it stays valid for five): signing per request cost
   * as much CPU as the rest of the event. A rotated secret gets a new one at once.
   */
  #token(signingSecret: string, now: number): string {
    const cached = this.#cachedToken;
    if (cached?.signingSecret === signingSecret && now - cached.signedAt < TOKEN_REUSE_MS) return cached.token;
    const token = signedToken(signingSecret, now);
    this.#cachedToken = { signingSecret, signedAt: now, token };
    return token;
  }

  #finish(event: CarrierEvent, outcome: 'delivered' | 'refused' | 'failed' | 'dropped', why?: string): void {
    this.#metrics.carrierEvents.inc({ outcome });
    // Per event at debug only: a receiver down for an hour at hundreds of calls a second would
    // otherwise log hundreds of lines a second. The webhook's state changes are logged instead.
    if (outcome !== 'delivered') this.#log.debug({ eventId: event.id, outcome, why }, 'carrier event not delivered');
  }
}

/** The headers of an event POST with its bearer token: the workers' and `switchyard test-event`'s alike. */
export const eventHeaders = (token: string): Record<string, string> => ({
  'content-type': 'application/json',
  'authorization': `Bearer ${token}`,
  'user-agent': 'Switchyard/1.0',
});

/** The bearer token of one POST: HS256 over { iss, iat, exp } with the carrier's signing secret. */
export function signedToken(signingSecret: string, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000);
  return signJwt('HS256', { typ: 'JWT' }, { iss: 'Switchyard', iat, exp: iat + TOKEN_LIFETIME_SECONDS }, createSecretKey(Buffer.from(signingSecret)));
}
