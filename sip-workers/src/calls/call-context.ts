// What the parts of one call's handling share: the session, the routing generation it was
// admitted under, the webhook facts, and the worker's settings for webhooks and trunks.
import type { CallSession } from '../b2bua/call-session.ts';
import type { Registrar } from '../registrar/registrar.ts';
import type { WebhookCall } from '../router/inbound/inbound-decision.ts';
import type { RoutingView } from '../routing/routing-view.ts';
import type { CallDetails } from '../webhook/call-parameters.ts';
import type { WorkerLogger } from '../worker/logger.ts';
import type { SipDns } from '../sip/sip-dns.ts';
import type { UnreachableServers } from '../sip/unreachable-servers.ts';
import type { WorkerMetrics } from '../worker/metrics.ts';
import type { PushCalls } from './push-wake.ts';
import type { CallLedger } from './call-ledger.ts';
import type { CallProgress } from './call-progress.ts';
import type { TwimlRedirects } from './twiml-redirect.ts';
import type { ConnectedCallee } from '../carrier-events/phone-call-event.ts';
import { randomHex } from '../sip/random-hex.ts';

export interface CallHandlingSettings {
  webhookTimeoutMs: number;
  signatureHeader: string;
  /** A trunk silent this long is skipped for the next one. */
  trunkProgressTimeoutMs: number;
  /** Host for the From of B legs (our advertised address). */
  localHost: string;
  /** Redirects followed within one call before giving up, as Twilio bounds them. */
  maxRedirects: number;
  /** Weighted trunk choice; injectable for tests. */
  random: () => number;
  /** Whether an outbound trunk's health check found it down (trunk-probes.ts). */
  isTrunkDown: (trunkName: string) => boolean;
  /** Where trunks' and SIP URIs' host names are located (RFC 3263). */
  dns: SipDns;
  /** Located servers that lately did not answer: tried after the others. */
  unreachableServers: UnreachableServers;
}

export interface CallContext {
  session: CallSession;
  call: WebhookCall;
  view: RoutingView;
  details: CallDetails;
  settings: CallHandlingSettings;
  log: WorkerLogger;
  metrics: WorkerMetrics;
  /** Aborted when the caller goes away: pending webhooks and pauses stop. */
  signal: AbortSignal;
  /** Where <Dial><Client> finds registered users; absent without Redis. */
  registrar?: Registrar;
  /** Wakes phones that registered a push token (RFC 8599); absent without a push service. */
  push?: PushCalls;
  /** Who a <Dial> connected the caller to, once one answered: the carrier's event says so. */
  connected?: ConnectedCallee;
  /** For a call the REST API placed: the party rung, and the trunk it was reached through. */
  party?: ConnectedCallee;
  /** For a call the REST API placed: the progress events its StatusCallback gets (completed among them, or not). */
  progress?: CallProgress;
  /** Where the calls its <Dial> nouns make are kept for the REST API, beside this one; absent with the API off. */
  ledger?: CallLedger;
  /** The REST API's requests to move the call to new TwiML; absent with the API off. */
  redirects?: TwimlRedirects;
}

/** Why a call's in-flight work (webhook fetches, push waits) is aborted: it ended. */
const callEnded = new Error('the call ended');

/** Aborted once the session ends; with a reason of our own, since abort() without one builds a DOMException (and its stack) every call. */
export function signalOfCall(session: Pick<CallSession, 'ended'>): AbortSignal {
  const abort = new AbortController();
  void session.ended.then(() => abort.abort(callEnded));
  return abort.signal;
}

/** Twilio's Call SID shape: CA followed by 32 hex digits. */
export const newCallSid = () => `CA${randomHex(16)}`;
