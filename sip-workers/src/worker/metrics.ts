// What a SIP worker exposes on /metrics: calls by outcome, setup time, webhook health, and the
// routing generation it serves (the Carrier's Programmed condition uses the same fact via a Lease).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { activeCallsMetric } from '../../../api/reports/worker-metrics.ts';

export function workerMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'switchyard_worker_' });
  return {
    registry,
    requests: new Counter({ name: 'switchyard_sip_requests_total', help: 'SIP requests received that started a transaction, by method.', labelNames: ['method'], registers: [registry] }),
    calls: new Counter({ name: 'switchyard_calls_total', help: 'Calls that ended, by how (completed, rejected, canceled, failed) and the final status the caller got.', labelNames: ['end', 'status'], registers: [registry] }),
    rejections: new Counter({ name: 'switchyard_call_rejections_total', help: 'INVITEs the router refused, by status and reason phrase.', labelNames: ['status', 'reason'], registers: [registry] }),
    overloaded: new Gauge({ name: 'switchyard_worker_overloaded', help: '1 while the worker refuses a share of new calls (503) because datagrams pile up unread on its SIP socket, else 0.', registers: [registry] }),
    midCallRequests: new Counter({ name: 'switchyard_mid_call_requests_total', help: 'Requests inside answered calls (re-INVITE, UPDATE, INFO, MESSAGE) relayed to the other party, by method and the final status the sender got (491: crossed another offer).', labelNames: ['method', 'status'], registers: [registry] }),
    dialogsLost: new Counter({ name: 'switchyard_dialogs_lost_total', help: 'Answered calls the worker ended because a party no longer held its dialog (in-dialog OPTIONS answered 481, or unanswered), by side and how.', labelNames: ['side', 'loss'], registers: [registry] }),
    activeCalls: new Gauge({ name: activeCallsMetric, help: 'Calls in progress.', registers: [registry] }),
    setupSeconds: new Histogram({ name: 'switchyard_call_setup_seconds', help: 'Time from INVITE to the final response sent to the caller.', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] }),
    webhookRequests: new Counter({ name: 'switchyard_webhook_requests_total', help: 'Voice webhook fetches by result (ok, fallback, failed).', labelNames: ['result'], registers: [registry] }),
    webhookSeconds: new Histogram({ name: 'switchyard_webhook_duration_seconds', help: 'Time to fetch TwiML, fallback included.', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry] }),
    trunkUp: new Gauge({ name: 'switchyard_outbound_trunk_up', help: 'For each outbound trunk with a health check: 1 while it answers its OPTIONS probes, 0 once it failed them (it is then tried only after the trunks that are up).', labelNames: ['trunk'], registers: [registry] }),
    serverFailovers: new Counter({ name: 'switchyard_sip_server_failovers_total', help: 'Calls moved on to the next server DNS located for a trunk or SIP URI (RFC 3263 §4.3), by why: timeout (no response), transport-error, 503. A server that did not answer is then tried last for 30 s (a 503 for its Retry-After).', labelNames: ['reason'], registers: [registry] }),
    dnsAnswers: new Counter({ name: 'switchyard_dns_answers_total', help: 'Answers to the DNS questions locating trunks and SIP URIs (RFC 3263), by question (naptr, srv, addresses) and source: cached, looked-up, stale (DNS failed; an expired answer served), failed (DNS failed with nothing kept).', labelNames: ['question', 'source'], registers: [registry] }),
    trunkAttempts: new Counter({ name: 'switchyard_outbound_trunk_attempts_total', help: 'INVITEs sent to outbound trunks, by trunk and outcome.', labelNames: ['trunk', 'outcome'], registers: [registry] }),
    digestFailures: new Counter({ name: 'switchyard_digest_failures_total', help: 'Digest authentication failures by reason.', labelNames: ['reason'], registers: [registry] }),
    routingGeneration: new Gauge({ name: 'switchyard_worker_routing_generation_info', help: 'The routing generation this worker serves (value 1).', labelNames: ['carrier', 'generation'], registers: [registry] }),
    stunMessages: new Counter({ name: 'switchyard_stun_messages_total', help: 'STUN messages on the SIP UDP port (phones\' RFC 5626 keep-alives), by answer: binding-response, error-response, ignored (not STUN after all, or not a request), not-our-flow (no phone registered over that flow through this replica, so the phone registers again).', labelNames: ['answer'], registers: [registry] }),
    carrierEvents: new Counter({ name: 'switchyard_carrier_events_total', help: 'Events for the Carrier\'s event webhook that left the queue, by outcome: delivered (a 2xx), refused (a 4xx other than 408 and 429: never retried), failed (still failing after the last retry), dropped (the queue was full, or the worker stopped first).', labelNames: ['outcome'], registers: [registry] }),
    carrierEventAttempts: new Counter({ name: 'switchyard_carrier_event_attempts_total', help: 'POSTs to the Carrier\'s event webhook, by result: the HTTP status, or timeout or error.', labelNames: ['result'], registers: [registry] }),
    carrierEventsPending: new Gauge({ name: 'switchyard_carrier_events_pending', help: 'Events waiting for delivery to the Carrier\'s event webhook, retries included.', registers: [registry] }),
    apiRequests: new Counter({ name: 'switchyard_api_requests_total', help: 'Requests to the REST API (Twilio\'s Calls resource), by the HTTP status answered: 200 a call fetched, listed or updated, 201 a call placed, 400 its parameters refused, 401 bad credentials, 404 no such call, 503 no routing yet, draining, or the call store unreachable.', labelNames: ['status'], registers: [registry] }),
    callStoreFailures: new Counter({ name: 'switchyard_call_store_failures_total', help: 'Operations on the calls replicas share in Redis that failed because Redis was down, unreachable or too slow, by operation (write: a call\'s change not stored, so other replicas read it stale; read, list, hang-up, redirect: a REST API request answered 503; heartbeat: this replica\'s stamp missed, and after 15 s without one the others read its live calls as ended).', labelNames: ['operation'], registers: [registry] }),
    callStoreOrphans: new Counter({ name: 'switchyard_call_store_orphaned_calls_total', help: 'Live calls of replicas that died with them (no heartbeat for 15 s) that this replica ended in the call store, posting their completed status callback; each is ended by one replica.', registers: [registry] }),
    placedCalls: new Counter({ name: 'switchyard_placed_calls_total', help: 'Calls the REST API placed that ended, by the status their callback reports (completed, busy, no-answer, failed, canceled).', labelNames: ['status'], registers: [registry] }),
    routingRejected: new Counter({ name: 'switchyard_worker_routing_rejected_total', help: 'Routing generations refused as partial or corrupt; the previous one keeps serving.', registers: [registry] }),
  };
}

export type WorkerMetrics = ReturnType<typeof workerMetrics>;
