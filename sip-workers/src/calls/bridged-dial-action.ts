// The action of a <Dial> that connected, requested once the connected call has ended, as Twilio
// requests it when the dialled call ends: apps bill and log from its DialCallStatus and
// DialCallDuration. Here a connected call ends for both sides at once (the worker has no media of
// its own to go on with the caller), so this is Twilio's case of a caller who hung up: the TwiML
// the action answers is not run.
import type { CallEnd } from '../b2bua/call-session.ts';
import type { DialVerb } from '../twiml/twiml-verbs.ts';
import { callParameters } from '../webhook/call-parameters.ts';
import { fetchTwiml } from '../webhook/webhook-client.ts';
import type { CallContext } from './call-context.ts';

export async function requestBridgedDialAction(context: Pick<CallContext, 'details' | 'call' | 'settings' | 'log'>, verb: DialVerb & { action: string }, end: CallEnd, dialCallSid: string | undefined): Promise<void> {
  // Rounded as the status callback's CallDuration is.
  const duration = end.answeredAt === undefined ? 0 : Math.max(0, Math.round((end.endedAt - end.answeredAt) / 1000));
  const fetched = await fetchTwiml({
    primary: { url: verb.action, method: verb.method },
    params: [...callParameters(context.details, 'completed'), ['DialCallStatus', 'completed'], ['DialCallDuration', String(duration)], ['DialBridged', 'true'], ['DialSipResponseCode', '200'], ...(dialCallSid === undefined ? [] : [['DialCallSid', dialCallSid] as [string, string]])],
    authToken: context.call.account.authToken,
    signatureHeader: context.settings.signatureHeader,
    // No signal: the call's own was aborted as it ended, and this request is about that end.
    timeoutMs: context.settings.webhookTimeoutMs,
  });
  if (!fetched.ok) context.log.warn({ url: verb.action, attempts: fetched.attempts }, `<Dial action> after the connected call failed: ${fetched.reason}`);
  else if (fetched.document.verbs.length > 0) context.log.info({ url: verb.action, verbs: fetched.document.verbs.map((v) => v.verb) }, '<Dial action> answered TwiML after the connected call ended; not run, the call is over');
}
