// What the push service exposes on /metrics: pushes by provider and outcome with the gateway's
// reason, the gateways' raw answers, the tokens signed (Apple throttles a provider that re-signs
// too often), and whether each provider's credentials were last accepted.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function pushMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'switchyard_push_' });
  return {
    registry,
    sent: new Counter({ name: 'switchyard_push_sent_total', help: 'Pushes a gateway accepted, by provider.', labelNames: ['provider'], registers: [registry] }),
    failed: new Counter({ name: 'switchyard_push_failed_total', help: 'Pushes that were not sent, by provider, outcome (unregistered, rejected, bad-credentials, unavailable) and the gateway\'s reason.', labelNames: ['provider', 'outcome', 'reason'], registers: [registry] }),
    duplicates: new Counter({ name: 'switchyard_push_duplicate_requests_total', help: 'Requests for a call and device already pushed, answered from memory without a second push.', labelNames: ['provider'], registers: [registry] }),
    gatewayResponses: new Counter({ name: 'switchyard_push_gateway_responses_total', help: 'HTTP answers from APNs and FCM per request, retries included; status "none" when no answer came.', labelNames: ['provider', 'status'], registers: [registry] }),
    tokensSigned: new Counter({ name: 'switchyard_push_auth_tokens_total', help: 'APNs provider tokens signed and FCM access tokens obtained.', labelNames: ['provider'], registers: [registry] }),
    credentialsValid: new Gauge({ name: 'switchyard_push_credentials_valid', help: '1 when the provider last accepted our credentials, 0 when it refused them or the key file is unreadable; absent until known.', labelNames: ['provider'], registers: [registry] }),
    seconds: new Histogram({ name: 'switchyard_push_duration_seconds', help: 'Time from a worker\'s request to the push\'s outcome, retries included.', labelNames: ['provider'], buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] }),
  };
}

export type PushMetrics = ReturnType<typeof pushMetrics>;
