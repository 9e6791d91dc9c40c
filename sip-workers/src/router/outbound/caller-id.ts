// Which number a call may present to the PSTN through the carrier's trunks. Twilio lets a
// <Dial callerId> be the calling number, the called number or a number of the account's own (its
// warning 13214 otherwise), and a placed call's From only a number of the account's own (21210):
// so one customer cannot present another's number, or any number at all. Pure: the routing view
// says whose numbers are whose.
import type { RoutingView } from '../../routing/routing-view.ts';
import { normalizeDialedNumber } from './number-normalization.ts';

/** Whether `text` is, once normalised as the carrier dials, an enabled PhoneNumber assigned to `account`. */
export function isAccountsNumber(text: string, account: string, view: RoutingView): boolean {
  const number = normalizeDialedNumber(text, view.carrier);
  const route = number === undefined ? undefined : view.number(number);
  return route?.account === account && route.enabled;
}

/** Whether a <Dial callerId> may be presented on a call from `from` to `to` of `account`. */
export function mayPresentCallerId(callerId: string, call: { from: string; to: string; account: string }, view: RoutingView): boolean {
  const number = normalizeDialedNumber(callerId, view.carrier);
  if (number === undefined) return false;
  const same = (other: string) => normalizeDialedNumber(other, view.carrier) === number;
  return same(call.from) || same(call.to) || isAccountsNumber(number, call.account, view);
}
