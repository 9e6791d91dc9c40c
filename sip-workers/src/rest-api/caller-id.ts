// Whose number a placed call may present: `From` must be an enabled PhoneNumber assigned to the
// account, as Twilio places a call only from a number of the account's own (or one it verified).
import { isAccountsNumber } from '../router/outbound/caller-id.ts';
import type { RoutingView } from '../routing/routing-view.ts';
import { twilioError } from './twilio-error.ts';
import type { TwilioError } from './twilio-error.ts';

/** Twilio's error for a From that is not the account's: 21210. */
export function callerIdRefusal(from: string, account: string, view: RoutingView): TwilioError | undefined {
  if (isAccountsNumber(from, account, view)) return undefined;
  return twilioError(400, 21210, `'From' ${from} is not a phone number of this account: it must be an enabled PhoneNumber assigned to it`);
}
