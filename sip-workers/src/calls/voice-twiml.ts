// The first TwiML of a call: its voice URL fetched (the fallback URL on failure), then carried
// out. A call that came in asks while it rings; one we placed, once its party answered.
import { callParameters, twimlRequestStatus } from '../webhook/call-parameters.ts';
import { fetchTwiml } from '../webhook/webhook-client.ts';
import type { CallContext } from './call-context.ts';
import { runTwiml } from './twiml-runner.ts';

export async function runVoiceTwiml(context: CallContext): Promise<void> {
  const { call, details, settings, metrics, session } = context;
  const started = performance.now();
  const fetched = await fetchTwiml({
    primary: call.voice,
    ...(call.fallback ? { fallback: call.fallback } : {}),
    params: callParameters(details, twimlRequestStatus(details)),
    authToken: call.account.authToken,
    signatureHeader: settings.signatureHeader,
    timeoutMs: settings.webhookTimeoutMs,
    signal: context.signal,
  });
  metrics.webhookSeconds.observe((performance.now() - started) / 1000);
  metrics.webhookRequests.inc({ result: fetched.ok ? (fetched.usedFallback ? 'fallback' : 'ok') : 'failed' });
  if (!fetched.ok) {
    context.log.warn({ attempts: fetched.attempts }, `webhook failed: ${fetched.reason}`);
    session.reject(500, 'Server Internal Error - Webhook Failed');
    return;
  }
  if (fetched.document.warnings.length > 0) context.log.info({ warnings: fetched.document.warnings }, 'TwiML warnings');
  await runTwiml(context, fetched.document);
}
