// The completed status callback of a call whose worker died with it, posted by the replica that
// ended it in the call store (redis-call-store.ts), since the worker that would have posted it is
// gone. It says what the record knew: the call's parties and direction, how it ended and when the
// dead worker was last seen; the SIP details and X- headers the worker held in memory are lost.
import type { CallRecord } from './call-ledger.ts';
import { isFinal } from './call-ledger.ts';
import type { RoutingView } from '../routing/routing-view.ts';
import { statusCallbackParameters } from '../webhook/call-parameters.ts';
import type { WorkerLogger } from '../worker/logger.ts';
import type { CallHandlingSettings } from './call-context.ts';
import { sendStatusCallback } from './call-status.ts';

export async function postOrphanedCallStatus(call: CallRecord, view: RoutingView | undefined, settings: Pick<CallHandlingSettings, 'signatureHeader' | 'webhookTimeoutMs'>, log: WorkerLogger): Promise<void> {
  const { statusCallback: target, status, endedAt } = call;
  if (target === undefined || endedAt === undefined || !isFinal(status)) return;
  // Signed with the account's token as the routing this replica serves has it now.
  const authToken = view?.authToken(call.accountSid);
  if (authToken === undefined) {
    log.warn({ callSid: call.sid }, 'status callback of a call whose replica is gone not posted: its account is not in the routing served');
    return;
  }
  const details = { callSid: call.sid, accountSid: call.accountSid, from: call.from, to: call.to, headers: [], direction: call.direction, ...(call.parentCallSid === undefined ? {} : { parentCallSid: call.parentCallSid }) };
  const params = statusCallbackParameters(details, {
    status,
    endedAt: new Date(endedAt),
    ...(call.answeredAt === undefined ? {} : { durationSeconds: (endedAt - call.answeredAt) / 1000 }),
  });
  await sendStatusCallback(target, params, authToken, { settings, log }, 'status callback of a call whose replica is gone failed', { callSid: call.sid });
}
