// A call as Twilio's REST API describes it: the answer to creating, fetching or updating one. The
// fields Switchyard does not know (price, answered_by…) are null, as Twilio gives them for a call
// it has no such facts of.
import type { CallRecord } from '../calls/call-ledger.ts';
import { API_VERSION, rfc2822 } from '../webhook/call-parameters.ts';

const dateOf = (ms: number | undefined): string | null => (ms === undefined ? null : rfc2822(new Date(ms)));

/** Answered seconds, rounded up as the status callback's CallDuration; 0 for an ended call nobody answered, null while it lasts. */
function durationOf(call: CallRecord): string | null {
  if (call.endedAt === undefined) return null;
  return String(call.answeredAt === undefined ? 0 : Math.ceil((call.endedAt - call.answeredAt) / 1000));
}

/** Twilio's start_time is when the call was dialed, not answered: none while queued. */
export const startTimeOf = (call: CallRecord): number | undefined => (call.status === 'queued' ? undefined : call.createdAt);

export function callResource(call: CallRecord): Record<string, unknown> {
  const uri = `/${API_VERSION}/Accounts/${call.accountSid}/Calls/${call.sid}.json`;
  return {
    sid: call.sid,
    account_sid: call.accountSid,
    to: call.to,
    to_formatted: call.to,
    from: call.from,
    from_formatted: call.from,
    status: call.status,
    direction: call.direction,
    api_version: API_VERSION,
    date_created: dateOf(call.createdAt),
    date_updated: dateOf(call.updatedAt),
    start_time: dateOf(startTimeOf(call)),
    // Set once the call ended, with its final status.
    end_time: dateOf(call.endedAt),
    duration: durationOf(call),
    price: null,
    price_unit: 'USD',
    answered_by: null,
    caller_name: null,
    forwarded_from: null,
    parent_call_sid: call.parentCallSid ?? null,
    phone_number_sid: null,
    group_sid: null,
    queue_time: '0',
    trunk_sid: null,
    uri,
    subresource_uris: {},
  };
}
