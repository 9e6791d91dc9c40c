// What media anchoring exposes on the worker's /metrics: every ng command by result and time, the
// calls holding a relay session now (a figure that must come back to zero: a leak shows here), and
// the calls that could not be anchored.
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

export function mediaMetrics(registry: Registry) {
  return {
    commands: new Counter({ name: 'switchyard_media_relay_commands_total', help: 'ng commands sent to rtpengine, by command and result (ok, error, timeout).', labelNames: ['command', 'result'], registers: [registry] }),
    commandSeconds: new Histogram({ name: 'switchyard_media_relay_command_seconds', help: 'Time from an ng command to rtpengine\'s reply, retransmissions included.', labelNames: ['command'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] }),
    anchoredCalls: new Gauge({ name: 'switchyard_media_anchored_calls', help: 'Calls holding a session on a media relay.', registers: [registry] }),
    anchorFailures: new Counter({ name: 'switchyard_media_anchor_failures_total', help: 'Offers and answers the relay did not rewrite (refused or unanswered); failing the offer or the final answer refuses the call with 503.', labelNames: ['step'], registers: [registry] }),
  };
}

export type MediaMetrics = ReturnType<typeof mediaMetrics>;
