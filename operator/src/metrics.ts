import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the background status lane says of itself at scrape time. */
export interface StatusLane {
  readonly backlog: number;
  oldestWaitMs(): number;
}

export function operatorMetrics() {
  const registry = new Registry();
  // Set by the controller that owns the lane; a standby replica has none and reports 0.
  const statusLane: { current?: StatusLane } = {};
  collectDefaultMetrics({ register: registry, prefix: 'switchyard_operator_' });
  return {
    registry,
    reconciles: new Counter({ name: 'switchyard_reconciles_total', help: 'Reconcile passes by result.', labelNames: ['result'], registers: [registry] }),
    reconcileDuration: new Histogram({ name: 'switchyard_reconcile_duration_seconds', help: 'Time of one reconcile pass: compile and apply.', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] }),
    compileDuration: new Histogram({ name: 'switchyard_compile_duration_seconds', help: 'Time of the pure compile step.', buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] }),
    errors: new Counter({ name: 'switchyard_reconcile_errors_total', help: 'Writes that failed, by kind.', labelNames: ['kind'], registers: [registry] }),
    writes: new Counter({ name: 'switchyard_writes_total', help: 'Writes to the API server, by operation.', labelNames: ['operation'], registers: [registry] }),
    apiRequests: new Counter({ name: 'switchyard_api_requests_total', help: 'Requests to the API server by verb and status code.', labelNames: ['verb', 'code'], registers: [registry] }),
    apiRequestDuration: new Histogram({ name: 'switchyard_api_request_duration_seconds', help: 'Time from sending a request to its response (after the client rate limiter), by verb and lane (foreground: routing, leases; background: statuses).', labelNames: ['verb', 'lane'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry] }),
    queueDepth: new Gauge({ name: 'switchyard_queue_depth', help: 'Keys waiting in the work queue, including those backing off.', registers: [registry] }),
    objectsManaged: new Gauge({ name: 'switchyard_objects_managed', help: 'Switchyard objects observed, by kind.', labelNames: ['kind'], registers: [registry] }),
    routingGeneration: new Gauge({ name: 'switchyard_routing_generation_info', help: 'The routing generation published per carrier (value 1).', labelNames: ['namespace', 'carrier', 'generation'], registers: [registry] }),
    certificateExpiry: new Gauge({
      name: 'switchyard_certificate_expiration_timestamp_seconds',
      help: 'When a certificate a Carrier\'s pods use expires (Unix seconds), once it passed the operator\'s checks: certificate="sip-tls" (spec.sipWorkers.tls) or "apns" (spec.push.apns.certificateSecretRef).',
      labelNames: ['namespace', 'carrier', 'certificate'], registers: [registry],
    }),
    routingShards: new Gauge({ name: 'switchyard_routing_shards', help: 'Routing ConfigMap shards per carrier.', labelNames: ['namespace', 'carrier'], registers: [registry] }),
    statusLane,
    statusBacklog: new Gauge({
      name: 'switchyard_status_backlog', help: 'Statuses waiting to be written or being written (routing is written first; statuses follow).', registers: [registry],
      collect() { this.set(statusLane.current?.backlog ?? 0); },
    }),
    statusOldestWait: new Gauge({
      name: 'switchyard_status_oldest_wait_seconds', help: 'How long the status waiting longest has waited: how far what kubectl get shows trails the routing.', registers: [registry],
      collect() { this.set((statusLane.current?.oldestWaitMs() ?? 0) / 1000); },
    }),
    leader: new Gauge({ name: 'switchyard_leader', help: '1 while this replica holds the leader lease.', registers: [registry] }),
  };
}

export type OperatorMetrics = ReturnType<typeof operatorMetrics>;
