// Finds the call an in-dialog request or an ACK belongs to: by Call-ID and our tag in its To.
// Each leg registers under its own key, so a BYE from either side reaches the same session.
import type { SipRequest } from '../sip/message.ts';
import { headerValue } from '../sip/message.ts';
import { toHeader } from '../sip/name-addr.ts';
import { dialogKey } from './dialog.ts';

export type LegSide = 'caller' | 'callee';

export interface DialogMember<S> {
  session: S;
  side: LegSide;
}

export class DialogRegistry<S> {
  readonly #members = new Map<string, DialogMember<S>>();

  add(callId: string, localTag: string, member: DialogMember<S>): void {
    this.#members.set(dialogKey(callId, localTag), member);
  }

  remove(callId: string, localTag: string): void {
    this.#members.delete(dialogKey(callId, localTag));
  }

  find(request: SipRequest): DialogMember<S> | undefined {
    const callId = headerValue(request, 'Call-ID');
    const tag = toHeader(request)?.params.get('tag');
    if (!callId || !tag) return undefined;
    return this.#members.get(dialogKey(callId, tag));
  }

  get size(): number {
    return this.#members.size;
  }
}
