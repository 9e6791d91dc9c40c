// The Carrier's EventWebhookDelivering condition, from what its live workers' Leases say of their
// deliveries to spec.eventWebhook: a carrier whose billing endpoint refuses or drops the events
// learns it from kubectl (and a Warning event) rather than from a gap in its records.
import type { ConditionInput } from './conditions.ts';
import type { CarrierObject, WorkerReport } from './observed.ts';

const listed = (workers: readonly WorkerReport[]) => workers.slice(0, 5).map((worker) => `${worker.pod} (${worker.eventWebhook?.reason ?? 'failing'} since ${worker.eventWebhook?.since ?? '?'})`).join(', ');

/** Undefined without spec.eventWebhook. Reports about another URL (before an edit) do not count. */
export function eventWebhookCondition(carrier: CarrierObject, workers: readonly WorkerReport[]): ConditionInput | undefined {
  const url = carrier.spec.eventWebhook?.url;
  if (url === undefined) return undefined;
  const type = 'EventWebhookDelivering';
  const reporting = workers.filter((worker) => worker.ready && worker.eventWebhook?.url === url).sort((a, b) => a.pod.localeCompare(b.pod));
  const failing = reporting.filter((worker) => worker.eventWebhook?.state === 'failing');
  if (failing.length > 0) {
    return {
      type, status: 'False', reason: 'DeliveryFailing',
      message: `${failing.length} of ${reporting.length} workers fail to deliver events to ${url}: ${listed(failing)}. Each event is retried for about 8.5 minutes, then dropped (switchyard_carrier_events_total{outcome="failed"} on the workers); a 4xx other than 408 and 429 is not retried.`,
    };
  }
  if (reporting.length > 0) return { type, status: 'True', reason: 'Delivering', message: `${reporting.length} ${reporting.length === 1 ? 'worker delivers' : 'workers deliver'} events to ${url}.` };
  return { type, status: 'Unknown', reason: 'NoEventsYet', message: `No worker has sent an event to ${url} yet.` };
}
