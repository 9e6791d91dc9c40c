// OPTIONS probes of the outbound trunks whose OutboundTrunk asks for a health check, as carriers'
// SBCs (and Kamailio's dispatcher) ping their gateways: each server the trunk's host locates
// (RFC 3263), the silent ones marked for calls to try last (unreachable-servers.ts). The trunks
// come from the routing generation being served, re-read every second, so a new generation
// starts and stops probes without a restart. What a probe's answer means is trunk-health.ts; the
// outbound plan puts the trunks found down last.
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
import type { Destination } from '../sip/transport.ts';
import { serverName, type UnreachableServers } from '../sip/unreachable-servers.ts';
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
  rounds: number;
  /** Server → the latest round it answered: a silence in an earlier round is stale news then. */
  answeredIn: Map<string, number>;
}

const probeKey = (trunk: OutboundTrunkRoute) => JSON.stringify([trunk.name, trunk.host, trunk.port, trunk.transport, trunk.healthCheck]);

export class TrunkProbes {
  readonly #layer: TransactionLayer;
  readonly #routing: () => RoutingView | undefined;
  readonly #localHost: string;
  readonly #dns: SipDns;
  readonly #unreachable: UnreachableServers;
  readonly #log: WorkerLogger;
  readonly #metrics: WorkerMetrics;
  readonly #probes = new Map<string, Probe>();
  readonly #timer: NodeJS.Timeout;
  readonly #listeners = new Set<() => void>();

  constructor(layer: TransactionLayer, routing: () => RoutingView | undefined, localHost: string, servers: { dns: SipDns; unreachable: UnreachableServers }, metrics: WorkerMetrics, log: WorkerLogger) {
    this.#layer = layer;
    this.#dns = servers.dns;
    this.#unreachable = servers.unreachable;
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
        probe = { trunk, health: unprobedHealth, nextAt: now, rounds: 0, answeredIn: new Map() };
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
    const round = ++probe.rounds;
    const waitMs = Math.min(probeTimeoutMs, check.intervalSeconds * 1000);
    // Every server RFC 3263 locates, as a call may reach any of them: the trunk is up while one
    // answers, and a server that does not is tried last by calls until the next probe (its mark
    // outlasts the interval) rather than costing a call its progress timeout first.
    void locateServer(trunkServerOf(trunk), this.#dns).then((located) => {
      if (!located.ok || located.destinations.length === 0) {
        this.#record(probe, false, located.ok ? 'no server' : located.reason);
        return;
      }
      this.#probeServers(probe, located.destinations, { round, waitMs, markMs: check.intervalSeconds * 1000 + waitMs });
    });
  }

  /** OPTIONS to each server; the trunk's verdict once all have answered or `waitMs` is over, whichever is first. */
  #probeServers(probe: Probe, servers: readonly Destination[], { round, waitMs, markMs }: { round: number; waitMs: number; markMs: number }): void {
    const unheard = new Set(servers);
    const names = new Set(servers.map(serverName));
    for (const name of probe.answeredIn.keys()) if (!names.has(name)) probe.answeredIn.delete(name);
    // Rounds overlap when the interval is short: a server that came back may have answered a
    // later round before this one ends.
    const mark = (server: Destination) => {
      if ((probe.answeredIn.get(serverName(server)) ?? 0) < round) this.#unreachable.mark(server, markMs);
    };
    const failures: string[] = [];
    let answered = false;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timeout);
      for (const server of unheard) {
        mark(server);
        failures.push(`${serverName(server)}: no answer`);
      }
      this.#record(probe, answered, answered ? `${servers.length - failures.length} of ${servers.length} servers answered` : failures.join('; '));
    };
    const timeout = setTimeout(finish, waitMs);
    timeout.unref();
    for (const server of servers) {
      // Each server counts once: its answer, or its silence when the probe ends.
      const heard = (ok: boolean, detail: string) => {
        if (finished || !unheard.delete(server)) return;
        if (ok) {
          answered = true;
          probe.answeredIn.set(serverName(server), Math.max(round, probe.answeredIn.get(serverName(server)) ?? 0));
          this.#unreachable.clear(server);
        } else {
          mark(server);
          failures.push(`${serverName(server)}: ${detail}`);
        }
        if (unheard.size === 0) finish();
      };
      this.#layer.sendRequest(trunkProbeRequest(probe.trunk, this.#localHost), server, {
        onFinal: (response) => heard(probeAnswered(response.status), `${response.status} ${response.reason}`),
        onTimeout: () => heard(false, 'no answer'),
        onTransportError: (error) => heard(false, `transport error: ${error}`),
      });
    }
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
