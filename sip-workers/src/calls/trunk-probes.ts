// OPTIONS probes of the outbound trunks whose OutboundTrunk asks for a health check, as carriers'
// SBCs (and Kamailio's dispatcher) ping their gateways. The trunks come from the routing
// generation being served, re-read every second, so a new generation starts and stops probes
// without a restart. What a probe's answer means is trunk-health.ts; the outbound plan puts the
// trunks found down last.
import { isIPv6 } from 'node:net';
import type { OutboundTrunkRoute } from '../../../api/routing/schema.ts';
import { newCallId } from '../b2bua/dialog.ts';
import type { RoutingView } from '../routing/routing-view.ts';
import { afterProbe, probeAnswered, unprobedHealth, type TrunkHealth } from '../router/outbound/trunk-health.ts';
import type { SipRequest } from '../sip/message.ts';
import { locateServer } from '../sip/server-locator.ts';
import type { SipDns } from '../sip/sip-dns.ts';
import { randomHex } from '../sip/random-hex.ts';
import type { TransactionLayer } from '../sip/transaction-layer.ts';
import type { SipUri } from '../sip/uri.ts';
import type { WorkerLogger } from '../worker/logger.ts';
import type { WorkerMetrics } from '../worker/metrics.ts';
import { trunkServerOf } from './sip-destination.ts';

/** A probe unanswered this long counts as failed (or sooner, with a shorter interval): Timer F's 32 s would hide a dead trunk for most of a minute. */
const probeTimeoutMs = 5000;

interface Probe {
  trunk: OutboundTrunkRoute;
  health: TrunkHealth;
  nextAt: number;
}

const probeKey = (trunk: OutboundTrunkRoute) => JSON.stringify([trunk.name, trunk.host, trunk.port, trunk.transport, trunk.healthCheck]);

export class TrunkProbes {
  readonly #layer: TransactionLayer;
  readonly #routing: () => RoutingView | undefined;
  readonly #localHost: string;
  readonly #dns: SipDns;
  readonly #log: WorkerLogger;
  readonly #metrics: WorkerMetrics;
  readonly #probes = new Map<string, Probe>();
  readonly #timer: NodeJS.Timeout;
  readonly #listeners = new Set<() => void>();

  constructor(layer: TransactionLayer, routing: () => RoutingView | undefined, localHost: string, dns: SipDns, metrics: WorkerMetrics, log: WorkerLogger) {
    this.#layer = layer;
    this.#dns = dns;
    this.#routing = routing;
    this.#localHost = localHost;
    this.#metrics = metrics;
    this.#log = log;
    this.#timer = setInterval(() => this.#tick(), 1000);
    this.#timer.unref();
    this.#tick();
  }

  /** Whether the trunk's health check found it down; a trunk without one is never down. */
  isDown(trunkName: string): boolean {
    for (const probe of this.#probes.values()) {
      if (probe.trunk.name === trunkName) return !probe.health.up;
    }
    return false;
  }

  /** The names of the trunks found down now (the worker's Lease reports them to the operator). */
  down(): string[] {
    return [...this.#probes.values()].filter((probe) => !probe.health.up).map((probe) => probe.trunk.name);
  }

  /** Calls back whenever a trunk goes down or up, or stops being probed; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    clearInterval(this.#timer);
    this.#probes.clear();
    this.#listeners.clear();
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }

  #tick(): void {
    const view = this.#routing();
    const wanted = new Map<string, OutboundTrunkRoute>();
    for (const trunk of view?.outboundTrunks() ?? []) {
      if (trunk.enabled && trunk.healthCheck) wanted.set(probeKey(trunk), trunk);
    }
    for (const [key, probe] of this.#probes) {
      if (wanted.has(key)) continue;
      this.#probes.delete(key);
      this.#metrics.trunkUp.remove({ trunk: probe.trunk.name });
      if (!probe.health.up) this.#changed();
    }
    const now = performance.now();
    for (const [key, trunk] of wanted) {
      let probe = this.#probes.get(key);
      if (!probe) {
        probe = { trunk, health: unprobedHealth, nextAt: now };
        this.#probes.set(key, probe);
        this.#metrics.trunkUp.set({ trunk: trunk.name }, 1);
      }
      if (probe.nextAt <= now) this.#send(probe, now);
    }
  }

  #send(probe: Probe, now: number): void {
    const { trunk } = probe;
    const check = trunk.healthCheck;
    if (!check) return;
    probe.nextAt = now + check.intervalSeconds * 1000;
    // Each probe counts once: its answer, or its timeout, whichever comes first.
    let settled = false;
    const settle = (answered: boolean, detail: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      this.#record(probe, answered, detail);
    };
    const timeout = setTimeout(() => settle(false, 'no answer'), Math.min(probeTimeoutMs, check.intervalSeconds * 1000));
    timeout.unref();
    // The first server RFC 3263 locates, as a call's first attempt goes there.
    void locateServer(trunkServerOf(trunk), this.#dns).then((located) => {
      const destination = located.ok ? located.destinations[0] : undefined;
      if (!destination) return settle(false, located.ok ? 'no server' : located.reason);
      this.#layer.sendRequest(trunkProbeRequest(trunk, this.#localHost), destination, {
        onFinal: (response) => settle(probeAnswered(response.status), `${response.status} ${response.reason}`),
        onTimeout: () => settle(false, 'no answer'),
        onTransportError: (error) => settle(false, `transport error: ${error}`),
      });
    });
  }

  #record(probe: Probe, answered: boolean, detail: string): void {
    const { trunk } = probe;
    // A trunk no longer probed (gone from routing, or the probes closed) keeps no state or metric.
    if (this.#probes.get(probeKey(trunk)) !== probe) return;
    const before = probe.health;
    probe.health = afterProbe(before, answered, trunk.healthCheck?.failureThreshold ?? 1);
    if (probe.health.up === before.up) return;
    this.#metrics.trunkUp.set({ trunk: trunk.name }, probe.health.up ? 1 : 0);
    this.#changed();
    if (probe.health.up) this.#log.info({ trunk: trunk.name, probe: detail }, 'outbound trunk answers its health check again: up');
    else this.#log.warn({ trunk: trunk.name, probe: detail, failures: probe.health.failures }, 'outbound trunk failed its health check: down, tried only after the trunks that are up');
  }
}

/** The OPTIONS a probe sends: to sip:host[:port] (;transport= for TCP and TLS), out of any dialog. */
export function trunkProbeRequest(trunk: OutboundTrunkRoute, localHost: string): SipRequest {
  const params = new Map<string, string | null>(trunk.transport === 'udp' ? [] : [['transport', trunk.transport]]);
  // An IPv6 trunk host is bracketed in the URI, as in the Request-URI of its calls (dial-string.ts).
  const host = isIPv6(trunk.host) ? `[${trunk.host}]` : trunk.host;
  const uri: SipUri = { kind: 'sip', scheme: 'sip', host, ...(trunk.port === undefined ? {} : { port: trunk.port }), params, headers: [] };
  return {
    kind: 'request', method: 'OPTIONS', uri, version: 'SIP/2.0',
    headers: [
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: `<sip:switchyard@${localHost}>;tag=${randomHex(4)}` },
      { name: 'To', value: `<sip:${host}>` },
      { name: 'Call-ID', value: newCallId(localHost) },
      { name: 'CSeq', value: '1 OPTIONS' },
      { name: 'Accept', value: 'application/sdp' },
    ],
    body: Buffer.alloc(0),
  };
}
