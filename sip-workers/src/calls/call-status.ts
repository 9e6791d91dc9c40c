// The status callback Twilio posts when a call ends, from the session's end and the last
// failure; posted only when the number or account configures one. Every status callback of a
// call (its end, its progress, a <Dial> noun's, an orphan's) goes out through sendStatusCallback.
import type { Webhook } from '../../../api/routing/schema.ts';
import type { CallEnd } from '../b2bua/call-session.ts';
import type { FinalCallStatus } from '../webhook/call-parameters.ts';
import { statusCallbackParameters } from '../webhook/call-parameters.ts';
import { postStatusCallback } from '../webhook/status-callback.ts';
import type { WebhookParams } from '../webhook/twilio-signature.ts';
import type { WorkerLogger } from '../worker/logger.ts';
import type { CallContext, CallHandlingSettings } from './call-context.ts';

export function finalCallStatus(end: CallEnd): FinalCallStatus {
  if (end.reason === 'completed') return 'completed';
  if (end.reason === 'canceled') return 'canceled';
  if (end.callerStatus === 486 || end.callerStatus === 600) return 'busy';
  if (end.callerStatus === 480 || end.callerStatus === 408 || end.callerStatus === 404) return 'no-answer';
  return 'failed';
}

export async function postCallStatus(context: Pick<CallContext, 'call' | 'details' | 'settings' | 'log' | 'progress'>, end: CallEnd): Promise<void> {
  const target = context.call.statusCallback;
  if (!target) return;
  // A placed call posts completed only if its StatusCallbackEvent asks for it, numbered after the others.
  const sequenceNumber = context.progress === undefined ? 0 : context.progress.completed();
  if (sequenceNumber === undefined) return;
  const params = statusCallbackParameters(context.details, {
    sequenceNumber,
    status: finalCallStatus(end),
    endedAt: new Date(end.endedAt),
    ...(end.answeredAt === undefined ? {} : { durationSeconds: (end.endedAt - end.answeredAt) / 1000 }),
    sipResponseCode: end.callerStatus,
  });
  await sendStatusCallback(target, params, context.call.account.authToken, context, 'status callback failed');
}

/**
 * Posts one status callback of a call (its end or a progress event), signed with the account's
 * token; a failure is logged with `failedMessage` and `fields`, and the call goes on either way.
 */
export async function sendStatusCallback(
  target: Webhook, params: WebhookParams, authToken: string, { settings, log }: { settings: Pick<CallHandlingSettings, 'signatureHeader' | 'webhookTimeoutMs'>; log: WorkerLogger }, failedMessage: string, fields: Record<string, unknown> = {},
): Promise<void> {
  const result = await postStatusCallback({ target, params, authToken, signatureHeader: settings.signatureHeader, timeoutMs: settings.webhookTimeoutMs });
  if (!result.ok) log.warn({ url: result.url, failure: result.failure, ...fields }, failedMessage);
}
