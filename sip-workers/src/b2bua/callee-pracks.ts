// RFC 3262 towards the callee, where the worker is the UAC. PSTN gateways often send their ringing
// and early media reliably, and some require it (421 Extension Required to an INVITE without
// Supported: 100rel). So a B leg's INVITE says Supported: 100rel, every reliable 180/183 gets its
// PRACK in its early dialog, a retransmitted or out-of-order one is dropped (§4, errata 4604),
// and the dialog the 2xx confirms carries on from the CSeq numbers its PRACKs used.
//
// Only when the INVITE carries the offer: a reliable provisional can then only bring an answer,
// and the PRACK needs no body. In a late-offer call the callee's reliable provisional could bring
// an offer whose answer belongs in the PRACK, and the caller's leg has no answer to give before
// the 2xx.
import type { HeaderField, SipRequest, SipResponse } from '../sip/message.ts';
import { headerValue } from '../sip/message.ts';
import { toHeader } from '../sip/name-addr.ts';
import { cseqHeader } from '../sip/scalar-headers.ts';
import type { TransactionLayer } from '../sip/transaction-layer.ts';
import type { Destination } from '../sip/transport.ts';
import { inDialogRequest, uacDialog } from './dialog.ts';
import type { Dialog } from './dialog.ts';

/** `headers` with 100rel added to their Supported (one field, appended to when there is one). */
export function supporting100rel(headers: readonly HeaderField[]): HeaderField[] {
  const index = headers.findIndex((field) => field.name.toLowerCase() === 'supported');
  if (index < 0) return [...headers, { name: 'Supported', value: '100rel' }];
  return headers.map((field, at) => (at === index ? { name: field.name, value: `${field.value}, 100rel` } : field));
}

/** RSeq = 1*DIGIT, 1 to 2^32 - 1 (§7.1). */
function parseRseq(value: string | undefined): number | undefined {
  const trimmed = value?.trim() ?? '';
  if (!/^\d{1,10}$/.test(trimmed)) return undefined;
  const rseq = Number(trimmed);
  return rseq >= 1 && rseq <= 0xffffffff ? rseq : undefined;
}

interface EarlyDialog {
  /** The INVITE's CSeq number: RSeq numbers are per transaction (a challenged INVITE's retry starts afresh). */
  inviteSeq: number;
  rseq: number;
  dialog: Dialog;
}

/**
 * Early dialogs one leg keeps PRACKing: a forking proxy makes a few; a callee inventing a tag per
 * provisional would otherwise have a PRACK transaction (and its 32 s) out of us for each.
 */
export const MAX_EARLY_DIALOGS = 16;

export class CalleePracks {
  readonly #layer: TransactionLayer;
  readonly #destination: Destination;
  readonly #reachedBy: 'flow' | 'target';
  /** By the callee's To tag: a forked INVITE's branches number their provisionals each on their own. */
  readonly #early = new Map<string, EarlyDialog>();

  constructor(layer: TransactionLayer, destination: Destination, reachedBy: 'flow' | 'target' = 'target') {
    this.#layer = layer;
    this.#destination = destination;
    this.#reachedBy = reachedBy;
  }

  /**
   * Whether a reliable provisional response to `invite` (its Require names 100rel) goes on to the
   * caller: the first time, in order, and PRACKed; its retransmissions, one that skips ahead of a
   * lost one, and one without an RSeq or an early dialog are not processed.
   * The PRACK's own transaction retransmits it; its outcome changes nothing here (a callee that
   * never hears it ends the call with a final response of its own).
   */
  receive(invite: SipRequest, response: SipResponse): boolean {
    const rseq = parseRseq(headerValue(response, 'RSeq'));
    const remoteTag = toHeader(response)?.params.get('tag') ?? undefined;
    const cseq = cseqHeader(response);
    if (rseq === undefined || remoteTag === undefined || cseq === undefined) return false;
    const known = this.#early.get(remoteTag);
    if (!known && this.#early.size >= MAX_EARLY_DIALOGS) return false;
    const current = known?.inviteSeq === cseq.seq ? known : undefined;
    if (current && rseq !== current.rseq + 1) return false;
    const dialog = known?.dialog ?? uacDialog(invite, response, this.#destination, this.#reachedBy);
    if (!dialog) return false;
    this.#early.set(remoteTag, { inviteSeq: cseq.seq, rseq, dialog });
    const prack = inDialogRequest(dialog, 'PRACK', { headers: [{ name: 'RAck', value: `${rseq} ${cseq.seq} ${cseq.method}` }] });
    this.#layer.sendRequest(prack, dialog.destination);
    return true;
  }

  /** The dialog a 2xx confirmed goes on numbering its requests after the PRACKs sent in it (§12.2.1.1). */
  continueSequence(dialog: Dialog): void {
    const early = this.#early.get(dialog.remoteTag);
    if (early) dialog.localSeq = Math.max(dialog.localSeq, early.dialog.localSeq);
  }
}
