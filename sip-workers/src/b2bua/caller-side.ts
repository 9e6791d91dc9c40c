// What a call session asks of the party on its calling side. That is the caller's INVITE server
// transaction for a call that came in (caller-leg.ts), or, for a call we placed through the REST
// API, the party that answered us and waits in our ACK for a description (origin-leg.ts).
import type { HeaderField, SipRequest, SipResponse } from '../sip/message.ts';
import type { ServerTransaction } from '../sip/server-transaction.ts';
import type { Dialog } from './dialog.ts';

export interface CallerSide {
  /** The INVITE whose terms the callee legs take on: its Max-Forwards, session timer and offer. */
  readonly request: SipRequest;
  readonly cancelled: boolean;
  /** Not yet given a final answer: neither bridged nor refused. */
  readonly pending: boolean;
  /** Where PRACKs find the call before it is answered (RFC 3262), when its provisionals go reliably. */
  readonly earlyDialog: { callId: string; localTag: string } | undefined;
  readonly dialog: Dialog | undefined;
  /** The exchange that bridged the call is complete on this side, so the callee may get its ACK. */
  readonly acked: boolean;
  ringing(from?: SipResponse): void;
  prack(request: SipRequest, transaction: ServerTransaction): void;
  /** Bridges this side to a callee's 2xx (its description already rewritten by the relay); undefined when it cannot. */
  answer(from: SipResponse, onAckTimeout: () => void): Dialog | undefined;
  /** This side's ACK of our 2xx came; true the first time. */
  acknowledge(): boolean;
  reject(status: number, reason?: string, headers?: HeaderField[]): void;
  stop(): void;
}
