// Whose number a placed call may present. Twilio places a call only from a number of the account's
// own (or one it verified); so does Switchyard: `From` must be an enabled PhoneNumber assigned to
// the account, so that one customer cannot present another's number, or any number at all, to the
// PSTN.
import { normalizeDialedNumber } from '../router/outbound/number-normalization.ts';
import type { RoutingView } from '../routing/routing-view.ts';
import { twilioError } from './twilio-error.ts';
import type { TwilioError } from './twilio-error.ts';

/** Twilio's error for a From that is not the account's: 21210. */
export function callerIdRefusal(from: string, account: string, view: RoutingView): TwilioError | undefined {
  const number = normalizeDialedNumber(from, view.carrier);
  const route = number === undefined ? undefined : view.number(number);
  if (route?.account === account && route.enabled) return undefined;
  return twilioError(400, 21210, `'From' ${from} is not a phone number of this account: it must be an enabled PhoneNumber assigned to it`);
}
