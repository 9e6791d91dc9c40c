// How this worker's deliveries to the carrier's event webhook go, for its Lease (the Carrier's
// EventWebhookDelivering condition): failing after several failed attempts in a row, so one lost
// request among many taken does not flap the condition, and delivering again at the first event
// taken. Only a change of state (or of webhook) is news, and a state once said stands at least
// DWELL_MS: a receiver failing every other request would otherwise rewrite the Lease, the
// Carrier's status and its events as fast as calls end.
import type { EventWebhookReport } from '../../../api/reports/lease-annotations.ts';

/** Failed attempts in a row, of any events, before the webhook counts as failing. */
export const FAILING_AFTER_ATTEMPTS = 3;
/** How long a reported state stands before another can replace it (a new URL replaces it at once). */
export const DWELL_MS = 10_000;

export class DeliveryHealth {
  /** What the deliveries say now. */
  #observed: EventWebhookReport | undefined;
  /** What was last said, and when. */
  #report: EventWebhookReport | undefined;
  #reportedAt = 0;
  #pending: NodeJS.Timeout | undefined;
  #failuresInARow = 0;
  #firstFailureAt = 0;
  readonly #dwellMs: number;
  readonly #listeners = new Set<() => void>();

  constructor(dwellMs = DWELL_MS) {
    this.#dwellMs = dwellMs;
  }

  report(): EventWebhookReport | undefined {
    return this.#report;
  }

  /** The annotation's value: undefined before any attempt. */
  value(): string | undefined {
    return this.#report === undefined ? undefined : JSON.stringify(this.#report);
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  delivered(url: string, now: number): void {
    this.#failuresInARow = 0;
    if (this.#observed?.state === 'delivering' && this.#observed.url === url) return;
    this.#observe({ url, state: 'delivering', since: new Date(now).toISOString() }, now);
  }

  failed(url: string, reason: string, now: number): void {
    if (this.#failuresInARow === 0) this.#firstFailureAt = now;
    this.#failuresInARow++;
    if (this.#failuresInARow < FAILING_AFTER_ATTEMPTS) return;
    if (this.#observed?.state === 'failing' && this.#observed.url === url) return;
    this.#observe({ url, state: 'failing', reason, since: new Date(this.#firstFailureAt).toISOString() }, now);
  }

  #observe(observed: EventWebhookReport, now: number): void {
    this.#observed = observed;
    const wait = this.#report === undefined || this.#report.url !== observed.url ? 0 : this.#reportedAt + this.#dwellMs - now;
    if (wait <= 0) return this.#publish(now);
    this.#pending ??= setTimeout(() => {
      this.#pending = undefined;
      this.#publish(Date.now());
    }, wait);
    this.#pending.unref();
  }

  #publish(now: number): void {
    clearTimeout(this.#pending);
    this.#pending = undefined;
    const observed = this.#observed;
    if (observed === undefined || (observed.state === this.#report?.state && observed.url === this.#report.url)) return;
    this.#report = observed;
    this.#reportedAt = now;
    for (const listener of this.#listeners) listener();
  }
}
