// The status callback Twilio posts when a call ends, from the session's end and the last
// failure; posted only when the number or account configures one.
import type { CallEnd } from '../b2bua/call-session.ts';
import type { FinalCallStatus } from '../webhook/call-parameters.ts';
import { statusCallbackParameters } from '../webhook/call-parameters.ts';
import { postStatusCallback } from '../webhook/status-callback.ts';
import type { CallContext } from './call-context.ts';

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
  const result = await postStatusCallback({
    target,
    params,
    authToken: context.call.account.authToken,
    signatureHeader: context.settings.signatureHeader,
    timeoutMs: context.settings.webhookTimeoutMs,
  });
  if (!result.ok) context.log.warn({ url: result.url, failure: result.failure }, 'status callback failed');
}
