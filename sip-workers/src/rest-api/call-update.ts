// What a POST to one call asks (Twilio's "update a call"): Status=completed or canceled ends it;
// Url (with Method) or Twiml moves it to new TwiML (calls/twiml-redirect.ts says when it can be).
// One or the other: a request asking both is refused rather than half done.
import type { HangUpMode } from '../calls/call-ledger.ts';
import type { RedirectOutcome, RedirectTarget } from '../calls/twiml-redirect.ts';
import { inlineTwiml, isError, webhookOf } from './create-call-request.ts';
import { twilioError } from './twilio-error.ts';
import type { TwilioError } from './twilio-error.ts';

export type CallUpdate = { readonly kind: 'hang-up'; readonly mode: HangUpMode } | { readonly kind: 'redirect'; readonly target: RedirectTarget };

export function callUpdate(form: URLSearchParams): CallUpdate | TwilioError {
  const status = form.get('Status');
  const moving = ['Url', 'Twiml'].filter((name) => form.has(name));
  if (status !== null) {
    if (moving.length > 0) return twilioError(400, 20001, `Status ends the call and ${moving.join(' and ')} moves it: ask one or the other`);
    if (status !== 'completed' && status !== 'canceled') return twilioError(400, 20001, `Status must be completed or canceled, not ${JSON.stringify(status)}`);
    return { kind: 'hang-up', mode: status };
  }
  if (form.has('FallbackUrl')) return twilioError(400, 20001, 'FallbackUrl is not taken on a redirect: the Url is fetched alone');
  const voice = webhookOf(form, 'Url', 'Method');
  if (isError(voice)) return voice;
  // As on a new call, a Url wins over Twiml.
  if (voice !== undefined) return { kind: 'redirect', target: { url: voice.url, method: voice.method } };
  const twiml = form.get('Twiml');
  const document = inlineTwiml(twiml);
  if (isError(document)) return document;
  if (document === undefined || twiml === null) return twilioError(400, 20001, 'Status, Url or Twiml is required');
  return { kind: 'redirect', target: { twiml } };
}

/** Why a redirect was not done, as Twilio's 21220 ("invalid call state") says it. */
export function redirectRefusal(outcome: Exclude<RedirectOutcome, 'redirected'>): TwilioError {
  const why = {
    connected: 'the call is connected by a <Dial>; moving it would take a re-INVITE, which this worker does not send. Status=completed ends it',
    dialing: 'the call is ringing someone (a <Dial>, or a placed call\'s party); redirect it once that has ended or been answered',
    'not-live': 'the call has ended',
  }[outcome];
  return twilioError(400, 21220, `Call cannot be redirected now: ${why}`);
}
