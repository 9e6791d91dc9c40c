// The registrar (RFC 3261 §10.3): a REGISTER passes named steps in the RFC's order (the domain of
// the Request-URI, Require, digest, the AOR, the Contacts and their expiry) and changes the AOR's
// bindings in the shared store in one atomic step; the 200 lists every current binding.
import type { DigestAuthenticator } from '../auth/digest-authenticator.ts';
import type { FlowTokens } from '../flow-relay/flow-token.ts';
import type { RoutingView } from '../routing/routing-view.ts';
import { optionTags } from '../sip/message.ts';
import type { HeaderField, SipRequest } from '../sip/message.ts';
import type { MessageSource } from '../sip/transport.ts';
import type { WorkerLogger } from '../worker/logger.ts';
import type { AddressOfRecord, Binding, CurrentBinding, Flow } from './binding.ts';
import { BindingStoreUnavailable } from './binding-store.ts';
import type { BindingStore, UpdateResult } from './binding-store.ts';
import { clientAddresses, clientTargets } from './client-targets.ts';
import type { ClientTarget } from './client-targets.ts';
import type { EdgePresence } from './edge-presence.ts';
import { grantExpiries, registersOutboundFlow } from './expiry-policy.ts';
import { FlowRegistrations } from './flow-registrations.ts';
import { UdpFlows } from './udp-flows.ts';
import type { ExpirySettings, GrantedContact } from './expiry-policy.ts';
import { authenticateRegister } from './register-auth.ts';
import { readRegister } from './register-request.ts';
import type { RegisterRequest } from './register-request.ts';
import { refuse } from './registrar-answer.ts';
import { waitForRegistration } from './registration-wait.ts';
import type { RegistrationWait, RegistrationWaitResult } from './registration-wait.ts';
import type { RegistrarAnswer } from './registrar-answer.ts';
import type { RegistrarMetrics } from './registrar-metrics.ts';

export interface RegistrarSettings {
  expiry: ExpirySettings;
  /** Bindings one user may hold at once (phones, apps, desks); more is refused with 403. */
  maxBindingsPerUser: number;
}

export interface RegistrarDeps {
  carrier: string;
  /** This worker's sent-by, recorded with each flow it received. */
  edge: string;
  store: BindingStore;
  authenticator: DigestAuthenticator;
  settings: RegistrarSettings;
  metrics: RegistrarMetrics;
  log: WorkerLogger;
  /** With a key the replicas share: a phone whose flow another replica holds (its TCP or TLS connection, its UDP address behind NAT) is rung through that replica. */
  flowTokens?: FlowTokens;
  /** Which replicas run: a phone whose flow a gone one held is not rung through it. */
  presence?: EdgePresence;
  /**
   * With a push service: the pn-providers it wakes phones through (RFC 8599). A REGISTER naming
   * another gets 555; without a push service the pn-* parameters are kept and nothing is promised.
   */
  pushProviders?: ReadonlySet<string>;
}

const UNAVAILABLE_RETRY_AFTER_SECONDS = 10;
/**
 * RFC 5626 §6 and §4.4.1: the registrar does outbound, and over TCP or TLS the UA is to send a
 * keep-alive within this many seconds (NATs drop idle TCP mappings; 120 s is the worker's idle
 * timeout before a connection carries a registration). Over UDP no Flow-Timer: the UA's own
 * interval for STUN keep-alives (24-29 s, §4.4.1) suits NATs' short UDP mappings.
 */
const OUTBOUND_HEADERS: readonly HeaderField[] = [{ name: 'Require', value: 'outbound' }];
const FLOW_TIMER: HeaderField = { name: 'Flow-Timer', value: '120' };
/** How long past its binding's expiry a registered phone's idle connection is kept (at most as long again as the binding). */
const REGISTERED_FLOW_GRACE_MS = 30_000;

export class Registrar {
  readonly #deps: RegistrarDeps;
  readonly #flows: FlowRegistrations;
  readonly #udpFlows = new UdpFlows();

  constructor(deps: RegistrarDeps) {
    this.#deps = deps;
    this.#flows = new FlowRegistrations({
      remove: (aor, flow) => this.#timed('remove-flow', () => deps.store.removeFlow({ carrier: deps.carrier, ...aor }, flow)),
      onRemoved: (count) => deps.metrics.closedFlowBindings.inc(count),
      log: deps.log,
    });
  }

  /** A TCP or TLS connection a phone opened to this worker closed: the bindings registered over it go. */
  flowClosed(flow: Pick<Flow, 'transport' | 'address' | 'port'>): void {
    this.#flows.closed(flow);
  }

  /** Whether a phone registered over this UDP flow through this replica, so that its STUN keep-alives are answered here (udp-flows.ts). */
  holdsUdpFlow(address: string, port: number): boolean {
    return this.#udpFlows.holds(address, port);
  }

  /** Resolves once the removals of closed flows' bindings have ended (before the store closes). */
  settled(): Promise<void> {
    return this.#flows.settled();
  }

  /** This replica stops: calls on the others no longer ring through it. */
  async withdrawPresence(): Promise<void> {
    await this.#deps.presence?.stop();
  }

  get store(): BindingStore {
    return this.#deps.store;
  }

  /** Never throws: every REGISTER gets an answer, 503 when the store cannot be reached. */
  async register(request: SipRequest, source: MessageSource, view: RoutingView | undefined): Promise<RegistrarAnswer> {
    let answer: RegistrarAnswer;
    try {
      answer = await this.#decide(request, source, view);
    } catch (error) {
      if (!(error instanceof BindingStoreUnavailable)) this.#deps.log.error({ err: error }, 'REGISTER handling failed');
      answer = error instanceof BindingStoreUnavailable
        ? refuse(503, 'Service Unavailable - Registrar Store Unavailable', error.message, [{ name: 'Retry-After', value: String(UNAVAILABLE_RETRY_AFTER_SECONDS) }])
        : refuse(500, 'Server Internal Error', String(error));
    }
    this.#deps.metrics.registers.inc({ status: answer.status, reason: answer.reason ?? '' });
    return answer;
  }

  /** The AOR's current bindings (for a call to the user); an unreachable store throws BindingStoreUnavailable. */
  lookup(aor: Omit<AddressOfRecord, 'carrier'>): Promise<CurrentBinding[]> {
    return this.#timed('lookup', () => this.#deps.store.lookup({ carrier: this.#deps.carrier, ...aor }));
  }

  /**
   * Where a <Dial><Client> of this account rings, best first; 'unavailable' when the store could
   * not be asked and nothing was found elsewhere.
   */
  async clientTargets(identity: string, account: string, view: RoutingView, callDomain?: string): Promise<ClientTarget[] | 'unavailable'> {
    const targets: ClientTarget[] = [];
    let unavailable = false;
    for (const aor of clientAddresses(identity, account, view, callDomain)) {
      try {
        targets.push(...clientTargets(await this.lookup(aor), aor, this.#deps.edge, this.#deps.flowTokens));
      } catch (error) {
        if (!(error instanceof BindingStoreUnavailable)) throw error;
        unavailable = true;
      }
    }
    return targets.length === 0 && unavailable ? 'unavailable' : targets;
  }

  /**
   * The targets, less those relayed through a replica that is gone (a binding outlives its
   * replica until the phone registers again). Not for phones woken by push: they register anew.
   */
  async throughRunningEdges(targets: readonly ClientTarget[]): Promise<readonly ClientTarget[]> {
    const relayedEdges = new Set(targets.filter((target) => target.route !== undefined).map((target) => target.binding.flow.edge));
    if (relayedEdges.size === 0 || this.#deps.presence === undefined) return targets;
    const running = await this.#deps.presence.running(relayedEdges);
    return targets.filter((target) => {
      if (target.route === undefined || running.has(target.binding.flow.edge)) return true;
      this.#deps.metrics.goneEdgeTargets.inc();
      this.#deps.log.info({ edge: target.binding.flow.edge, aor: `${target.aor.user ?? ''}@${target.aor.host}`, binding: target.binding.id }, 'not ringing a phone through a replica that is gone; it is rung again once it registers through a running one');
      return false;
    });
  }

  /**
   * After a push: where to ring the phones of these AORs that REGISTERed (through any replica)
   * since the marks in `wait.known` were taken, best first; or timeout, or cancelled. Bindings
   * named in `ignoring` (phones already ringing, refreshing their registration) do not count.
   */
  awaitRegistration(aors: ReadonlyArray<Omit<AddressOfRecord, 'carrier'>>, wait: RegistrationWait, ignoring: ReadonlySet<string> = new Set()): Promise<RegistrationWaitResult<ClientTarget[]>> {
    const lookupAll = async () => (await Promise.all(aors.map(async (aor) => (await this.lookup(aor)).map((binding) => ({ ...binding, aor }))))).flat();
    return waitForRegistration(lookupAll, (fresh) => {
      const woken = fresh.filter((binding) => !ignoring.has(binding.id));
      const targets = aors.flatMap((aor) => clientTargets(woken.filter((binding) => binding.aor === aor), aor, this.#deps.edge, this.#deps.flowTokens));
      return targets.length > 0 ? targets : undefined;
    }, wait);
  }

  /**
   * Drops a binding whose push token the provider no longer knows (the app was removed). The
   * binding's own CSeq plus one: a refresh over the same Call-ID meanwhile carries at least that,
   * and then it stays.
   */
  async forget(aor: Omit<AddressOfRecord, 'carrier'>, binding: Binding): Promise<void> {
    await this.#timed('update', () => this.#deps.store.update({ carrier: this.#deps.carrier, ...aor }, {
      callId: binding.callId,
      cseq: binding.cseq + 1,
      removeAll: false,
      changes: [{ binding, seconds: 0 }],
      maxBindings: Number.MAX_SAFE_INTEGER,
    }));
  }

  async #decide(request: SipRequest, source: MessageSource, view: RoutingView | undefined): Promise<RegistrarAnswer> {
    if (!view) return refuse(503, 'Service Unavailable - No Routing Yet', 'no routing generation loaded yet', [{ name: 'Retry-After', value: '5' }]);
    // Step 1: the Request-URI names a domain whose bindings we keep.
    const domain = request.uri.kind === 'sip' ? view.sipDomain(request.uri.host) : undefined;
    if (!domain) return refuse(404, 'Not Found - Unknown Domain', `the Request-URI names no SIP domain of carrier ${view.carrier.name}`);
    if (!domain.enabled) return refuse(403, 'Forbidden - Domain Disabled', `SIP domain ${domain.domain} is disabled`);
    // Step 2: no extension is supported, so any Require is refused (RFC 3261 §8.2.2.3).
    const required = optionTags(request, 'Require');
    if (required.length > 0) return refuse(420, 'Bad Extension', `unsupported Require: ${required.join(', ')}`, [{ name: 'Unsupported', value: required.join(', ') }]);
    // Step 3: authentication.
    const authenticated = authenticateRegister(request, source, domain, view, this.#deps.authenticator);
    if ('status' in authenticated) return authenticated;
    const read = readRegister(request, source, this.#deps.edge);
    if (!read.ok) return read.answer;
    const register = read.request;
    // Steps 4-5: the AOR is this domain's, and the authenticated user's own.
    if (register.aor.host !== domain.domain.toLowerCase()) {
      return refuse(404, 'Not Found - AOR Not In Domain', `To names ${register.aor.host}, not SIP domain ${domain.domain}`);
    }
    if (register.aor.user !== authenticated.username) {
      return refuse(403, 'Forbidden - Not Your Address', `${authenticated.username} may not register sip:${register.aor.user}@${domain.domain}`);
    }
    const unserved = this.#unservedPushProvider(register);
    if (unserved !== undefined) return unserved;
    const aor: AddressOfRecord = { carrier: this.#deps.carrier, domain: domain.domain.toLowerCase(), user: register.aor.user };
    // Steps 6-8.
    if (register.contacts.kind === 'query') return this.#ok(await this.lookup(aor), 'bindings listed');
    const supportsOutbound = optionTags(request, 'Supported').some((tag) => tag.toLowerCase() === 'outbound');
    const granted = register.contacts.kind === 'update' ? grantExpiries(register.contacts.contacts, register.flow, this.#deps.settings.expiry, supportsOutbound) : [];
    if (!Array.isArray(granted)) return granted;
    const result = await this.#timed('update', () => this.#deps.store.update(aor, {
      callId: register.callId,
      cseq: register.cseq,
      removeAll: register.contacts.kind === 'remove-all',
      changes: granted.map((grant) => ({ binding: bindingOf(grant, register), seconds: grant.seconds })),
      maxBindings: this.#deps.settings.maxBindingsPerUser,
    }));
    const longest = Math.max(0, ...granted.map((grant) => grant.seconds));
    if (result.ok && longest > 0) {
      // Like Kamailio's tcp_persistent_flag: the connection stays while the binding does, and a
      // while after (the re-REGISTER may come late), though the phone sends nothing in between.
      // A UDP flow's STUN keep-alives are answered here for as long.
      const keptFor = longest * 1000 + Math.min(REGISTERED_FLOW_GRACE_MS, longest * 1000);
      source.connection?.keepIdleFor(keptFor);
      this.#udpFlows.registered(register.flow, keptFor);
      this.#flows.registered(aor, register.flow, () => source.connection?.open ?? true);
    }
    const outbound = granted.some((grant) => grant.seconds > 0 && registersOutboundFlow(grant.contact, supportsOutbound));
    return this.#answerUpdate(result, register, [...(outbound ? outboundHeaders(register.flow) : []), ...this.#pushCapability(granted)]);
  }

  /**
   * RFC 8599 §5.3: a REGISTER asking to be woken through a push service this worker cannot ask is
   * refused with 555, so the app keeps its flow alive itself instead of sleeping until a push that
   * never comes. Removing such a binding is still allowed.
   */
  #unservedPushProvider(register: RegisterRequest): RegistrarAnswer | undefined {
    const served = this.#deps.pushProviders;
    if (served === undefined || register.contacts.kind !== 'update') return undefined;
    const unserved = register.contacts.contacts.find((contact) => contact.push !== undefined && !served.has(contact.push.provider) && contact.expires !== 0);
    if (unserved?.push === undefined) return undefined;
    return refuse(555, 'Push Notification Service Not Supported', `pn-provider=${unserved.push.provider}; this carrier pushes through ${[...served].join(', ')}`, pnsCapability([...served]));
  }

  /** RFC 8599 §5.3: the 200 tells the app its push service will wake it (Feature-Caps, RFC 6809). */
  #pushCapability(granted: readonly GrantedContact[]): readonly HeaderField[] {
    const served = this.#deps.pushProviders;
    const provider = granted.find((grant) => grant.seconds > 0 && grant.contact.push !== undefined)?.contact.push?.provider;
    return served === undefined || provider === undefined || !served.has(provider) ? [] : pnsCapability([provider]);
  }

  #answerUpdate(result: UpdateResult, register: RegisterRequest, extra: readonly HeaderField[]): RegistrarAnswer {
    if (result.ok) {
      const log = this.#deps.log.child({ aor: `sip:${register.aor.user}@${register.aor.host}`, flow: `${register.flow.transport}:${register.flow.address}:${register.flow.port}` });
      log.debug({ bindings: result.bindings.length, contacts: register.contacts.kind }, 'bindings updated');
      const answer = this.#ok(result.bindings, `bindings updated (${register.contacts.kind})`);
      return { ...answer, headers: [...answer.headers, ...extra] };
    }
    if (result.reason === 'out-of-order') {
      return refuse(400, 'Bad Request - CSeq Out Of Order', `Call-ID ${register.callId} already registered with CSeq ${register.cseq} or higher (binding ${result.bindingId ?? '*'})`);
    }
    return refuse(403, 'Forbidden - Too Many Registrations', `sip:${register.aor.user}@${register.aor.host} would hold more than ${this.#deps.settings.maxBindingsPerUser} bindings`);
  }

  #ok(bindings: readonly CurrentBinding[], detail: string): RegistrarAnswer {
    const headers: HeaderField[] = bindings.map((binding) => ({ name: 'Contact', value: `${binding.contact};expires=${binding.expiresIn}` }));
    // §10.3 step 8: the Date lets a UA without a clock learn the time.
    headers.push({ name: 'Date', value: new Date().toUTCString() });
    return { status: 200, headers, detail };
  }

  async #timed<T>(operation: 'update' | 'lookup' | 'remove-flow', run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await run();
    } catch (error) {
      if (error instanceof BindingStoreUnavailable) this.#deps.metrics.storeFailures.inc({ operation });
      throw error;
    } finally {
      this.#deps.metrics.storeSeconds.observe({ operation }, (performance.now() - started) / 1000);
    }
  }
}

const pnsCapability = (providers: readonly string[]): HeaderField[] => [{ name: 'Feature-Caps', value: `*;+sip.pns="${providers.join(',')}"` }];

/**
 * RFC 5626 §6: a UA that supports outbound and registers a flow is told the registrar does too, so
 * it keeps the flow alive with keep-alives the transport answers (CRLF over TCP and TLS, STUN over
 * UDP) and registers again as soon as the flow fails.
 */
const outboundHeaders = (flow: Flow): readonly HeaderField[] => (flow.transport === 'udp' ? OUTBOUND_HEADERS : [...OUTBOUND_HEADERS, FLOW_TIMER]);

function bindingOf(grant: GrantedContact, register: RegisterRequest): Binding {
  const { contact } = grant;
  return {
    id: contact.id,
    contact: contact.contact,
    uri: contact.uri,
    ...(contact.q === undefined ? {} : { q: contact.q }),
    callId: register.callId,
    cseq: register.cseq,
    flow: register.flow,
    natted: contact.natted,
    ...(contact.instance === undefined ? {} : { instance: contact.instance }),
    ...(contact.regId === undefined ? {} : { regId: contact.regId }),
    ...(contact.push === undefined ? {} : { push: contact.push }),
    ...(register.userAgent === undefined ? {} : { userAgent: register.userAgent }),
  };
}
