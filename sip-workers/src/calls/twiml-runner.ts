// Carries out a TwiML document's verbs in order for a call not yet answered. <Dial> that
// connects ends the document (the rest would run after the bridged call, which needs media we
// do not have), its action told when the call ends; <Redirect> and the action of a <Dial> that
// did not connect replace the document, as in Twilio.
import { setTimeout as sleep } from 'node:timers/promises';
import { parseTwiml } from '../twiml/parse-twiml.ts';
import { rejectStatus } from '../twiml/reject-status.ts';
import type { TwimlDocument, TwimlVerb } from '../twiml/twiml-verbs.ts';
import { callParameters, twimlRequestStatus } from '../webhook/call-parameters.ts';
import type { WebhookParams } from '../webhook/twilio-signature.ts';
import { fetchTwiml } from '../webhook/webhook-client.ts';
import type { CallContext } from './call-context.ts';
import { requestBridgedDialAction } from './bridged-dial-action.ts';
import { dial } from './dial.ts';
import { INLINE_TWIML_URL } from './inline-twiml.ts';
import type { RedirectTarget } from './twiml-redirect.ts';
import type { DialFailure } from './dial-result.ts';

type Step = { next: 'continue' } | { next: 'done' } | { next: 'document'; document: TwimlDocument };

async function fetchNext(context: CallContext, url: string, method: 'GET' | 'POST', extra: WebhookParams = []): Promise<Step> {
  const fetched = await fetchTwiml({
    primary: { url, method },
    params: [...callParameters(context.details, twimlRequestStatus(context.details)), ...extra],
    authToken: context.call.account.authToken,
    signatureHeader: context.settings.signatureHeader,
    timeoutMs: context.settings.webhookTimeoutMs,
    signal: context.signal,
  });
  if (fetched.ok) return { next: 'document', document: fetched.document };
  context.log.warn({ attempts: fetched.attempts }, `TwiML fetch failed: ${fetched.reason}`);
  context.session.reject(500, 'Server Internal Error - Webhook Failed');
  return { next: 'done' };
}

const dialCallSidParam = (sid: string | undefined): WebhookParams => (sid === undefined ? [] : [['DialCallSid', sid]]);

async function runVerb(context: CallContext, verb: TwimlVerb, lastFailure: { value?: DialFailure }): Promise<Step> {
  const { session } = context;
  switch (verb.verb) {
    case 'Dial': {
      const result = await dial(context, verb);
      if (result.kind === 'answered') {
        const { action } = verb;
        if (action !== undefined) {
          void session.ended
            .then((end) => requestBridgedDialAction(context, { ...verb, action }, end, result.dialCallSid))
            .catch((error: unknown) => context.log.error({ err: error }, '<Dial action> after the connected call not requested'));
        }
        return { next: 'done' };
      }
      lastFailure.value = result;
      // Only a call that is over stops here: a callee's 487, or a noun cancelled by another's
      // decline, leaves a caller still waiting for the rest of the document.
      if (session.state === 'ended') return { next: 'done' };
      // Stopped for a redirect: the new document runs, not the action.
      if (verb.action === undefined || context.redirects?.pending === true) return { next: 'continue' };
      return fetchNext(context, verb.action, verb.method, [['DialCallStatus', result.callStatus], ['DialSipResponseCode', String(result.status)], ...dialCallSidParam(result.dialCallSid)]);
    }
    case 'Reject': {
      const { status, reason } = rejectStatus(verb.reason);
      session.reject(status, reason);
      return { next: 'done' };
    }
    case 'Hangup':
      session.reject(603, 'Decline - Hangup');
      return { next: 'done' };
    case 'Redirect':
      return fetchNext(context, verb.url, verb.method);
    case 'Pause':
      session.ring();
      await pause(context, verb.length * 1000);
      return { next: 'continue' };
    case 'Unsupported':
      context.log.info({ verb: verb.name }, 'TwiML verb not supported on SIP calls without media; skipped');
      return { next: 'continue' };
  }
}

/** A <Pause>: until its time is up, the call ends, or the REST API redirects the call. */
async function pause(context: CallContext, ms: number): Promise<void> {
  let { signal } = context;
  if (context.redirects) {
    const interrupted = new AbortController();
    void context.redirects.interruption().then(() => interrupted.abort());
    signal = AbortSignal.any([signal, interrupted.signal]);
  }
  await sleep(ms, undefined, { signal }).catch(() => undefined);
}

/** The document the REST API redirected the call to (its URL fetched, or its TwiML read), or done when there is none to run. */
async function redirected(context: CallContext, target: RedirectTarget): Promise<Step> {
  context.log.info('call redirected through the REST API');
  if ('url' in target) return fetchNext(context, target.url, target.method);
  const parsed = parseTwiml(target.twiml, INLINE_TWIML_URL);
  if (parsed.ok) return { next: 'document', document: parsed.document };
  // The API read it before it took the request; a worker of another version may read it otherwise.
  context.log.warn({ detail: parsed.error.detail }, 'redirect TwiML unreadable here');
  context.session.reject(500, 'Server Internal Error - TwiML Unreadable');
  return { next: 'done' };
}

export async function runTwiml(context: CallContext, first: TwimlDocument): Promise<void> {
  let document = first;
  let redirects = 0;
  const lastFailure: { value?: DialFailure } = {};
  for (;;) {
    let replaced: TwimlDocument | undefined;
    for (const verb of document.verbs) {
      if (context.signal.aborted) return;
      // A redirect replaces the document before its next verb, whatever the last one asked.
      const redirect = context.redirects?.take();
      let step = redirect === undefined ? await runVerb(context, verb, lastFailure) : await redirected(context, redirect);
      const late = step.next === 'done' ? undefined : context.redirects?.take();
      if (late !== undefined) step = await redirected(context, late);
      if (step.next === 'done') return;
      if (step.next === 'document') {
        replaced = step.document;
        // A redirect starts afresh: the old document's redirects and failed <Dial> are not the new one's.
        if (redirect !== undefined || late !== undefined) {
          redirects = 0;
          lastFailure.value = undefined;
        }
        break;
      }
    }
    if (!replaced) break;
    if (++redirects > context.settings.maxRedirects) {
      context.session.reject(500, 'Server Internal Error - Too Many Redirects');
      return;
    }
    document = replaced;
  }
  // The document ran out without connecting the call: Twilio hangs up. A failed <Dial> tells
  // the caller why (busy stays busy); otherwise the call simply was not taken.
  const failure = lastFailure.value;
  if (failure) context.session.reject(failure.status, failure.reason, failure.headers);
  else context.session.reject(480, 'Temporarily Unavailable - No Answer From TwiML');
}
