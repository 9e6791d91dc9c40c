// RFC 4028 session timers pass end to end through the B2BUA: the worker keeps no timer of its
// own and relays what the parties say of theirs, so they agree on an interval and a refresher
// between them (uac stays the caller's side, uas the callee's, since every request keeps its
// direction). These are the headers that carry it: Session-Expires, Min-SE, and the option tag
// `timer` in Supported and Require, on the initial INVITE, its 2xx and a 422, and inside the call.
import type { HeaderField, SipRequest, SipResponse } from '../sip/message.ts';
import { headerValues, optionTags } from '../sip/message.ts';

/** The option tags the worker honours in a Require (RFC 3261 §8.2.2.3): the parties' own, relayed. */
export const END_TO_END_OPTIONS: ReadonlySet<string> = new Set(['timer']);

/**
 * The Require tags of `request` that neither the worker nor the relay to the other party honours.
 * A new call's INVITE may also require 100rel: its provisional responses then go reliably
 * (reliable-provisionals.ts).
 */
export function unsupportedRequirements(request: SipRequest, newCall: boolean): string[] {
  return optionTags(request, 'Require').filter((tag) => !END_TO_END_OPTIONS.has(tag.toLowerCase()) && !(newCall && tag.toLowerCase() === '100rel'));
}

export function sessionTimerHeaders(message: SipRequest | SipResponse): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const name of ['Session-Expires', 'Min-SE']) for (const value of headerValues(message, name)) fields.push({ name, value });
  for (const name of ['Supported', 'Require']) {
    const tags = optionTags(message, name).filter((tag) => END_TO_END_OPTIONS.has(tag.toLowerCase()));
    if (tags.length > 0) fields.push({ name, value: tags.join(', ') });
  }
  return fields;
}
