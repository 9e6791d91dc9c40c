// What the registrar exposes on the worker's /metrics: REGISTERs by answer, and the store's
// health (a Redis that fails shows here before phones start to drop off).
import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

export function registrarMetrics(registry: Registry) {
  return {
    registers: new Counter({ name: 'switchyard_register_requests_total', help: 'REGISTERs answered, by status and reason phrase.', labelNames: ['status', 'reason'], registers: [registry] }),
    storeSeconds: new Histogram({ name: 'switchyard_registrar_store_seconds', help: 'Time for one binding update, lookup or closed-flow removal (operation) in Redis, failures included.', labelNames: ['operation'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers: [registry] }),
    closedFlowBindings: new Counter({ name: 'switchyard_registrar_closed_flow_bindings_removed_total', help: 'Bindings removed because the TCP or TLS connection their REGISTER came over closed.', registers: [registry] }),
    goneEdgeTargets: new Counter({ name: 'switchyard_registrar_gone_edge_targets_total', help: 'Bindings a call skipped because the replica holding their flow is gone (its presence in Redis lapsed or was withdrawn).', registers: [registry] }),
    storeFailures: new Counter({ name: 'switchyard_registrar_store_failures_total', help: 'Binding updates, lookups and closed-flow removals that failed because Redis was down, unreachable or too slow.', labelNames: ['operation'], registers: [registry] }),
  };
}

export type RegistrarMetrics = ReturnType<typeof registrarMetrics>;
