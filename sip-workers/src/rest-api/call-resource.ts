// A call as Twilio's REST API describes it in the answer to "create a call": queued, with the URIs
// a client would follow. The fields Switchyard does not know (price, answered_by…) are null, as
// Twilio gives them for a call that has not happened yet.
import { API_VERSION, rfc2822 } from '../webhook/call-parameters.ts';

export interface QueuedCall {
  readonly callSid: string;
  readonly accountSid: string;
  readonly to: string;
  readonly from: string;
  readonly createdAt: Date;
}

export function queuedCallResource(call: QueuedCall): Record<string, unknown> {
  const uri = `/${API_VERSION}/Accounts/${call.accountSid}/Calls/${call.callSid}.json`;
  const created = rfc2822(call.createdAt);
  return {
    sid: call.callSid,
    account_sid: call.accountSid,
    to: call.to,
    to_formatted: call.to,
    from: call.from,
    from_formatted: call.from,
    status: 'queued',
    direction: 'outbound-api',
    api_version: API_VERSION,
    date_created: created,
    date_updated: created,
    start_time: null,
    end_time: null,
    duration: null,
    price: null,
    price_unit: 'USD',
    answered_by: null,
    caller_name: null,
    forwarded_from: null,
    parent_call_sid: null,
    phone_number_sid: null,
    group_sid: null,
    queue_time: '0',
    trunk_sid: null,
    uri,
    subresource_uris: {},
  };
}
