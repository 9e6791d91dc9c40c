// Handles an admitted inbound call the way Twilio does: fetch TwiML from the account's voice
// URL (fallback URL on failure), carry out its verbs in order, follow <Redirect>, and post the
// status callback (and the carrier's event) when the call is over.
import type { CallSession } from '../b2bua/call-session.ts';
import type { CallerLeg } from '../b2bua/caller-leg.ts';
import type { CarrierEventDelivery } from '../carrier-events/event-delivery.ts';
import type { MediaAnchoring } from '../media/media-anchoring.ts';
import type { Registrar } from '../registrar/registrar.ts';
import { sdpOf } from '../media/sdp-body.ts';
import type { WebhookCall } from '../router/inbound/inbound-decision.ts';
import { headerValue } from '../sip/message.ts';
import { fromHeader } from '../sip/name-addr.ts';
import type { CallDetails } from '../webhook/call-parameters.ts';
import type { WorkerLogger } from '../worker/logger.ts';
import type { WorkerMetrics } from '../worker/metrics.ts';
import type { CallHandler } from '../worker/sip-worker.ts';
import type { CallContext, CallHandlingSettings } from './call-context.ts';
import { signalOfCall } from './call-context.ts';
import type { CallLedger } from './call-ledger.ts';
import type { PushCalls } from './push-wake.ts';
import { reportEnded } from './call-event.ts';
import { statusCallbackOf } from './call-ledger.ts';
import { TwimlRedirects } from './twiml-redirect.ts';
import type { RedirectTarget } from './twiml-redirect.ts';
import { runVoiceTwiml } from './voice-twiml.ts';

function callDetails(session: CallSession<CallerLeg>, call: WebhookCall): CallDetails {
  const invite = session.caller.invite;
  const displayName = fromHeader(invite.request)?.displayName;
  const origin = call.origin;
  return {
    callSid: session.callSid,
    accountSid: call.account.sid,
    from: call.from,
    to: call.to,
    ...(displayName ? { callerName: displayName } : {}),
    headers: invite.request.headers,
    forwardCustomHeaders: call.forwardCustomHeaders,
    sip: {
      callId: headerValue(invite.request, 'Call-ID') ?? '',
      sourceIp: invite.source.address,
      ...(origin.kind === 'domain' ? { domain: origin.domain.domain } : {}),
      ...(origin.kind === 'domain' && origin.username !== undefined ? { username: origin.username } : {}),
    },
  };
}

/**
 * Puts the call's media on the relay. A body the relay cannot rewrite is refused before anything
 * else happens (415, RFC 3261 §21.4.13): passing it through would leave the call unanchored.
 */
function anchorMedia(session: CallSession<CallerLeg>, media: MediaAnchoring, log: WorkerLogger): boolean {
  const invite = session.caller.invite;
  if (invite.request.body.length > 0 && !sdpOf(invite.request)) {
    log.info('INVITE body is not a bare application/sdp; refused since media must be anchored');
    session.reject(415, 'Unsupported Media Type', [{ name: 'Accept', value: 'application/sdp' }]);
    return false;
  }
  const callerTag = fromHeader(invite.request)?.params.get('tag') ?? `${session.callSid}-caller`;
  session.anchorMedia(media.forCall({ callId: session.callSid, callerTag, calleeTag: invite.toTag }, log));
  return true;
}

/** What the worker may have besides settings, metrics and log: each part is absent when it is not configured. */
export interface CallHandlerParts {
  media?: MediaAnchoring | undefined;
  registrar?: Registrar | undefined;
  push?: PushCalls | undefined;
  events?: CarrierEventDelivery | undefined;
  /** The calls the REST API can fetch and end; absent when it is off. */
  ledger?: CallLedger | undefined;
}

export function createCallHandler(settings: CallHandlingSettings, metrics: WorkerMetrics, log: WorkerLogger, { media, registrar, push, events, ledger }: CallHandlerParts = {}): CallHandler {
  return async (session, call, view) => {
    const details = callDetails(session, call);
    const context: CallContext = {
      session, call, view, details, settings, log: log.child({ callSid: details.callSid }), metrics, signal: signalOfCall(session), ...(registrar === undefined ? {} : { registrar }), ...(push === undefined ? {} : { push }),
      ...(ledger === undefined ? {} : { ledger, redirects: new TwimlRedirects(session) }),
    };
    const { redirects } = context;
    ledger?.opened({ sid: details.callSid, accountSid: details.accountSid, from: details.from, to: details.to, direction: 'inbound', ...statusCallbackOf(call.statusCallback) }, 'ringing', {
      hangUp: () => session.terminate(),
      ...(redirects === undefined ? {} : { redirect: (target: RedirectTarget) => redirects.request(target) }),
    });
    void session.ended.then((end) => reportEnded(context, end, { events, ledger }));
    if (media && !anchorMedia(session, media, context.log)) return;
    await runVoiceTwiml(context);
  };
}

