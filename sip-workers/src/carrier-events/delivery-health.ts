// How this worker's deliveries to the carrier's event webhook go, for its Lease (the Carrier's
// EventWebhookDelivering condition): failing after several failed attempts in a row, so one lost
// request among many taken does not flap the condition, and delivering again at the first event
// taken. Only a change of state (or of webhook) is news: the Lease is not rewritten per attempt.
import type { EventWebhookReport } from '../../../api/reports/lease-annotations.ts';

/** Failed attempts in a row, of any events, before the webhook counts as failing. */
export const FAILING_AFTER_ATTEMPTS = 3;

export class DeliveryHealth {
  #report: EventWebhookReport | undefined;
  #failuresInARow = 0;
  #firstFailureAt = 0;
  readonly #listeners = new Set<() => void>();

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
    if (this.#report?.state === 'delivering' && this.#report.url === url) return;
    this.#set({ url, state: 'delivering', since: new Date(now).toISOString() });
  }

  failed(url: string, reason: string, now: number): void {
    if (this.#failuresInARow === 0) this.#firstFailureAt = now;
    this.#failuresInARow++;
    if (this.#failuresInARow < FAILING_AFTER_ATTEMPTS) return;
    if (this.#report?.state === 'failing' && this.#report.url === url) return;
    this.#set({ url, state: 'failing', reason, since: new Date(this.#firstFailureAt).toISOString() });
  }

  #set(report: EventWebhookReport): void {
    this.#report = report;
    for (const listener of this.#listeners) listener();
  }
}
