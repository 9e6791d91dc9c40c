// The SIP final response for <Reject>, as Twilio documents it for SIP calls
// (https://www.twilio.com/docs/voice/api/sip-twiml): reason="busy" → 486 Busy Here,
// reason="rejected" → 404 Not Found. Older revisions of that page said 603 Decline for
// "rejected"; the current one says 404, which also fits the <Reject> page's promise that
// "rejected" plays a not-in-service announcement: carriers map 404 to Q.850 cause 1
// (unallocated number) and 603 to cause 21 (call rejected).
// The call then ends busy or no-answer, as the <Reject> page says; that is the CallStatus the
// status callback reports.
import type { RejectReason } from './twiml-verbs.ts';

export interface RejectStatus {
  readonly status: number;
  readonly reason: string;
  readonly callStatus: 'busy' | 'no-answer';
}

const REJECT_STATUSES: Readonly<Record<RejectReason, RejectStatus>> = {
  busy: { status: 486, reason: 'Busy Here', callStatus: 'busy' },
  rejected: { status: 404, reason: 'Not Found', callStatus: 'no-answer' },
};

export function rejectStatus(reason: RejectReason): RejectStatus {
  return REJECT_STATUSES[reason];
}
