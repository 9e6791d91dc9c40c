// Starts the SIP side of a worker: transport, transactions, the TU and the call handler, over
// whatever supplies the current routing generation. main.ts adds the routing source, the HTTP
// endpoints and signals; tests start it in-process on loopback.
import { DigestAuthenticator } from '../auth/digest-authenticator.ts';
import { DEFAULT_MAX_CALL_MS } from '../b2bua/call-session.ts';
import type { CallHandlingSettings } from '../calls/call-context.ts';
import { CallLedger } from '../calls/call-ledger.ts';
import type { CallRecord } from '../calls/call-ledger.ts';
import { postOrphanedCallStatus } from '../calls/orphaned-call-status.ts';
import { createCallHandler } from '../calls/inbound-call.ts';
import { CallPlacer } from '../calls/placed-call.ts';
import { CarrierEventDelivery } from '../carrier-events/event-delivery.ts';
import type { EventDeliverySettings } from '../carrier-events/event-delivery.ts';
import type { PushCalls } from '../calls/push-wake.ts';
import { TrunkProbes } from '../calls/trunk-probes.ts';
import { MediaAnchoring } from '../media/media-anchoring.ts';
import type { MediaAnchoringSettings } from '../media/media-anchoring.ts';
import { PushClient, pushCallMetrics } from '../push/push-client.ts';
import { LocalCallLookup } from '../rest-api/call-lookup.ts';
import type { CallLookup } from '../rest-api/call-lookup.ts';
import type { RedisCallStore } from '../rest-api/redis-call-store.ts';
import { PUSH_PROVIDERS } from '../push/push-request.ts';
import { EdgePresence } from '../registrar/edge-presence.ts';
import type { EdgePresenceOptions } from '../registrar/edge-presence.ts';
import { Registrar } from '../registrar/registrar.ts';
import type { RegistrarSettings } from '../registrar/registrar.ts';
import { registrarMetrics } from '../registrar/registrar-metrics.ts';
import type { RoutingView } from '../routing/routing-view.ts';
import { TransactionLayer } from '../sip/transaction-layer.ts';
import { FlowRelay, flowRelayMetrics } from '../flow-relay/flow-relay.ts';
import { FlowTokens } from '../flow-relay/flow-token.ts';
import { systemSipDns } from '../sip/sip-dns.ts';
import { cachingSipDns, DEFAULT_DNS_CACHE_MS } from '../sip/dns-cache.ts';
import type { TimerValues } from '../sip/timers.ts';
import { SipTransport } from '../sip/transport.ts';
import type { TransportKind } from '../sip/transport.ts';
import { UnreachableServers } from '../sip/unreachable-servers.ts';
import type { SipTransportOptions } from '../sip/transport.ts';
import type { WorkerLogger } from './logger.ts';
import type { WorkerMetrics } from './metrics.ts';
import { DEFAULT_BACKLOG_SHARE, DEFAULT_SAMPLE_MS, OverloadGuard } from './overload-guard.ts';
import { SipWorker } from './sip-worker.ts';
import { loadTls } from './tls-credentials.ts';
import type { TlsFiles } from './tls-credentials.ts';
import { udpBacklogBytes } from './udp-backlog.ts';

export interface SipWorkerOptions {
  host: string;
  port: number;
  advertisedHost?: string;
  udpBufferBytes?: number;
  /** A TCP or TLS connection silent this long is closed (default 120 s); one a phone registered over lives as long as its binding. */
  tcpIdleTimeoutMs?: number;
  /** SIP over TLS on its own port, with this certificate (re-read every minute); absent: UDP and TCP only. */
  tls?: TlsFiles;
  webhookTimeoutMs: number;
  signatureHeader: string;
  trunkProgressTimeoutMs: number;
  /** Shared by replicas so a nonce from one is accepted by another. */
  digestKey?: Uint8Array;
  /** DNS servers (host or host:port) for locating trunks and SIP URIs; absent: the system's. */
  dnsServers?: string[];
  /** How long DNS answers locating callees are reused (sip/dns-cache.ts); 0: not at all. Default 30 s. */
  dnsCacheMs?: number;
  /** RFC 3261's T1, T2, T4 (default 500 ms, 4 s, 5 s); tests shorten them to see 64·T1 run out. */
  sipTimers?: Partial<TimerValues>;
  /** Shared by every replica of the carrier: calls to a phone whose flow another replica holds (its TCP or TLS connection, its UDP address behind NAT) go through that replica (flow-relay/). */
  flowTokenKey?: Uint8Array;
  random?: () => number;
  /** Anchor every call's media on rtpengine; without it descriptions pass end to end. */
  media?: MediaAnchoringSettings;
  /** Answered calls are hung up after this long (default 4 hours). */
  maxCallMs?: number;
  /** Answered calls probe both parties with in-dialog OPTIONS this often; 0 or absent: never. */
  keepaliveMs?: number;
  /** Accept REGISTER for SipDomain users, bindings in this Redis; without it REGISTER gets 405. */
  registrar?: RegistrarOptions;
  /** Wake phones that registered a push token through this push service; needs the registrar. */
  push?: PushOptions;
  /**
   * New calls are refused for want of CPU once this share of the SIP socket's receive buffer
   * waits unread (default 0.5; 0: never), sampled every `sampleMs` (default 100).
   */
  overload?: { backlogShare: number; sampleMs?: number };
  /** How events reach the carrier's event webhook (when the routing names one); tests shorten the retries. */
  eventDelivery?: EventDeliverySettings;
  /**
   * Keep a ledger of calls for the REST API to fetch and end, each ended one for `retentionMs`
   * (at most `maxEnded` of them); shared with the other replicas through the registrar's Redis
   * when there is one. Absent: no ledger (the REST API is off).
   */
  callLedger?: { retentionMs: number; maxEnded: number; orphanAfterMs?: number };
}

export interface PushOptions {
  /** The push service's base URL (SWITCHYARD_PUSH_SERVICE). */
  serviceUrl: string;
  /** The Carrier the push service must serve (it refuses another's with 421). */
  carrier: string;
  registrationTimeoutMs: number;
  /** Between store lookups while a call waits for the woken phone; default 200 ms. */
  pollIntervalMs?: number;
}

export interface RegistrarOptions {
  redisUrl: string;
  carrier: string;
  settings: RegistrarSettings;
  /** How long a replica's presence lasts unrenewed (default 15 s). */
  presence?: EdgePresenceOptions;
}

export interface RunningSipWorker {
  transport: SipTransport;
  worker: SipWorker;
  layer: TransactionLayer;
  media: MediaAnchoring | undefined;
  registrar: Registrar | undefined;
  /** The outbound trunks' health checks. */
  trunkProbes: TrunkProbes;
  /** Events for the carrier's event webhook, and how their delivery goes. */
  events: CarrierEventDelivery;
  /** Places the calls the REST API asks for. */
  placer: CallPlacer;
  /** Where the REST API finds calls and ends them; absent without `callLedger`. */
  calls: CallLookup | undefined;
  close(): Promise<void>;
}

function transportOptions(options: SipWorkerOptions): SipTransportOptions {
  return {
    host: options.host,
    port: options.port,
    ...(options.advertisedHost === undefined ? {} : { advertisedHost: options.advertisedHost }),
    ...(options.udpBufferBytes === undefined ? {} : { udpReceiveBufferBytes: options.udpBufferBytes, udpSendBufferBytes: options.udpBufferBytes }),
    ...(options.tcpIdleTimeoutMs === undefined ? {} : { tcpIdleTimeoutMs: options.tcpIdleTimeoutMs }),
  };
}

function pushCalls(options: PushOptions | undefined, registrar: Registrar | undefined, metrics: WorkerMetrics, log: WorkerLogger): PushCalls | undefined {
  if (options !== undefined && registrar === undefined) log.warn('a push service is configured but no registrar (SWITCHYARD_REDIS_URL): phones cannot register, so none is pushed');
  return options === undefined || registrar === undefined ? undefined : {
    client: new PushClient({ serviceUrl: options.serviceUrl, carrier: options.carrier, metrics: pushCallMetrics(metrics.registry), log }),
    registrationTimeoutMs: options.registrationTimeoutMs,
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
  };
}

/**
 * The registrar over its Redis, told when a phone's TCP or TLS flow closes, and asked which UDP
 * flows' STUN keep-alives to answer. The Redis client is loaded only here: a worker without a
 * registrar starts with 12-14 MB less RSS, 0.1-0.2 s sooner.
 */
async function startRegistrar(options: RegistrarOptions, transport: SipTransport, deps: { authenticator: DigestAuthenticator; metrics: WorkerMetrics; log: WorkerLogger; flowTokens: FlowTokens | undefined; pushing: boolean }): Promise<Registrar> {
  const { authenticator, metrics, log, flowTokens } = deps;
  const { RedisBindingStore } = await import('../registrar/redis-binding-store.ts');
  const store = new RedisBindingStore({ url: options.redisUrl, log });
  // Only replicas that relay to each other (they share the flow token key) need to know which run.
  const presence = flowTokens === undefined ? undefined : new EdgePresence(store, options.carrier, transport.sentBy, log, options.presence);
  // Announced once Redis is first up: the client refuses commands until then, and no phone can
  // have registered through this replica before.
  if (presence !== undefined) void store.ready().then(() => presence.start());
  const registrar = new Registrar({
    carrier: options.carrier,
    edge: transport.sentBy,
    store,
    authenticator,
    settings: options.settings,
    metrics: registrarMetrics(metrics.registry),
    log,
    ...(flowTokens === undefined ? {} : { flowTokens }),
    ...(presence === undefined ? {} : { presence }),
    ...(deps.pushing ? { pushProviders: PUSH_PROVIDERS } : {}),
  });
  transport.onFlowClosed((flow) => registrar.flowClosed(flow));
  transport.answerStunFrom((address, port) => registrar.holdsUdpFlow(address, port));
  return registrar;
}

/**
 * The call ledger, when the REST API needs one, shared through the registrar's Redis when there
 * is one (the Redis client is loaded only then, as the registrar's is). `worker`: this replica's
 * name in the store.
 */
async function startCallLedger(options: SipWorkerOptions, worker: string, metrics: WorkerMetrics, log: WorkerLogger, onOrphan: (call: CallRecord) => void): Promise<{ ledger?: CallLedger; calls?: CallLookup; store?: RedisCallStore }> {
  const { callLedger, registrar } = options;
  if (callLedger === undefined) return {};
  const shared: { store?: RedisCallStore } = {};
  const ledger = new CallLedger({ ...callLedger, onChange: (call) => shared.store?.record(call) });
  if (registrar === undefined) return { ledger, calls: new LocalCallLookup(ledger) };
  const { RedisCallStore: Store } = await import('../rest-api/redis-call-store.ts');
  const store = new Store({
    ...callLedger, url: registrar.redisUrl, carrier: registrar.carrier, worker, ledger, maxCallMs: options.maxCallMs ?? DEFAULT_MAX_CALL_MS, log, failures: metrics.callStoreFailures,
    ...(callLedger.orphanAfterMs === undefined ? {} : { heartbeat: { reapAfterMs: callLedger.orphanAfterMs } }),
    onOrphan: (call) => {
      metrics.callStoreOrphans.inc();
      onOrphan(call);
    },
  });
  shared.store = store;
  void store.start();
  return { ledger, calls: store, store };
}

/** How long a stopping worker waits for the parties of placed calls it cancelled to say 487 (and be ACKed). */
const CANCEL_SETTLE_MS = 2000;

/** How long a stopping worker tries to deliver the events still queued; the rest are dropped and counted. */
const EVENT_FLUSH_MS = 5000;

export async function startSipWorker(options: SipWorkerOptions, routing: () => RoutingView | undefined, metrics: WorkerMetrics, log: WorkerLogger): Promise<RunningSipWorker> {
  const tls = await loadTls(options.tls, log);
  const transport = await SipTransport.listen({ ...transportOptions(options), ...tls.transportOptions, onError: (event) => log.debug({ event }, 'transport event'), onStun: (outcome) => metrics.stunMessages.inc({ answer: outcome }) });
  const stopTlsReload = tls.reloadInto(transport);
  const localHost = transport.sentBy.replace(/:\d+$/, '');
  // Made once the transaction layer exists (below); no call runs before then.
  const trunkHealth: { probes?: TrunkProbes } = {};
  const media = options.media === undefined ? undefined : new MediaAnchoring(options.media, metrics.registry, log);
  // One authenticator for calls and REGISTERs: one nonce-count table guards both against replays.
  const authenticator = new DigestAuthenticator(options.digestKey === undefined ? {} : { secret: options.digestKey });
  const flowTokens = options.flowTokenKey === undefined ? undefined : new FlowTokens(options.flowTokenKey);
  const registrar = options.registrar === undefined ? undefined : await startRegistrar(options.registrar, transport, { authenticator, metrics, log, flowTokens, pushing: options.push !== undefined });
  const push = pushCalls(options.push, registrar, metrics, log);
  const resolver = systemSipDns({ servers: options.dnsServers ?? [] });
  const dnsCacheMs = options.dnsCacheMs ?? DEFAULT_DNS_CACHE_MS;
  const dns = dnsCacheMs > 0 ? cachingSipDns(resolver, { freshMs: dnsCacheMs, onAnswer: (question, source) => metrics.dnsAnswers.inc({ question, source }) }) : resolver;
  // Calls and trunk probes share what they learn of servers that do not answer.
  const unreachableServers = new UnreachableServers();
  const events = new CarrierEventDelivery(options.eventDelivery, () => routing()?.eventWebhook(), metrics, log);
  const settings: CallHandlingSettings = {
    webhookTimeoutMs: options.webhookTimeoutMs,
    signatureHeader: options.signatureHeader,
    trunkProgressTimeoutMs: options.trunkProgressTimeoutMs,
    localHost,
    maxRedirects: 10,
    random: options.random ?? Math.random,
    isTrunkDown: (trunkName) => trunkHealth.probes?.isDown(trunkName) ?? false,
    dns,
    unreachableServers,
  };
  const { ledger, calls, store: callStore } = await startCallLedger(options, transport.sentBy, metrics, log, (call) => {
    postOrphanedCallStatus(call, routing(), settings, log).catch((error: unknown) => log.error({ err: error, callSid: call.sid }, 'status callback of a call whose replica is gone not posted'));
  });
  const handleCall = createCallHandler(settings, metrics, log, { media, registrar, push, events, ledger });
  // A caller over TCP or TLS sends its in-dialog requests the same way, to the port for it.
  const contact = (kind: TransportKind) => (kind === 'udp' ? `<sip:switchyard@${transport.sentBy}>` : `<sip:switchyard@${transport.sentByFor(kind)};transport=${kind}>`);
  const backlogShare = options.overload?.backlogShare ?? DEFAULT_BACKLOG_SHARE;
  const overloadSettings = { highWaterBytes: Math.round(backlogShare * transport.udpReceiveBufferBytes), sampleMs: options.overload?.sampleMs ?? DEFAULT_SAMPLE_MS };
  const overload = new OverloadGuard(overloadSettings, {
    backlogBytes: () => udpBacklogBytes(transport.port),
    random: options.random ?? Math.random,
    onChange: (overloaded, share, backlogBytes) => {
      metrics.overloaded.set(overloaded ? 1 : 0);
      if (overloaded) log.warn({ backlogBytes, admittedShare: share }, 'overloaded: a share of new calls gets 503 until the SIP socket\'s backlog is gone');
      else log.info({ backlogBytes }, 'no longer overloaded: taking every new call');
    },
  });
  overload.start();
  const worker = new SipWorker({
    overload,
    routing,
    authenticator,
    handleCall,
    metrics,
    log,
    contact,
    ...(options.maxCallMs === undefined ? {} : { maxCallMs: options.maxCallMs }),
    ...(options.keepaliveMs === undefined ? {} : { keepaliveMs: options.keepaliveMs }),
    ...(registrar === undefined ? {} : { registrar }),
    onCallAnswered: (callSid: string) => ledger?.progressed(callSid, 'in-progress'),
  });
  const relay = flowTokens === undefined ? undefined : new FlowRelay(transport, flowTokens, flowRelayMetrics(metrics.registry), log);
  const layer = new TransactionLayer(transport, worker, {
    ...(options.sipTimers === undefined ? {} : { timers: options.sipTimers }),
    onError: (detail) => log.warn({ detail }, 'transaction layer'),
    ...(relay === undefined ? {} : { intercept: (message, source) => relay.intercept(message, source) }),
  });
  worker.attach(layer);
  const placer = new CallPlacer({ layer, worker, contact, settings, metrics, log, events, media, registrar, push, ledger });
  const trunkProbes = new TrunkProbes(layer, routing, localHost, { dns, unreachable: unreachableServers }, metrics, log);
  trunkHealth.probes = trunkProbes;
  return {
    transport,
    worker,
    layer,
    media,
    registrar,
    trunkProbes,
    events,
    placer,
    calls,
    close: async () => {
      overload.stop();
      trunkProbes.close();
      stopTlsReload();
      const cancelled = placer.cancelRinging(CANCEL_SETTLE_MS);
      worker.hangupAll();
      // Before the flows close: from now on other replicas skip the phones this one held.
      await registrar?.withdrawPresence();
      // The BYEs just sent and the relay deletes go out before the sockets close.
      await media?.close();
      // The calls just hung up have their events queued: one last try for each, briefly.
      await events.close(EVENT_FLUSH_MS);
      await cancelled;
      layer.close();
      await transport.close();
      // Closing the transport closed the phones' flows: their bindings go before Redis does.
      await registrar?.settled();
      await registrar?.store.close();
      await callStore?.close();
    },
  };
}
