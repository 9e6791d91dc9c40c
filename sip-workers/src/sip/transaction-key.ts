// Transaction matching keys (RFC 3261 §17.1.3 for clients, §17.2.3 for servers).
import { formatUri } from './uri.ts';
import type { SipRequest, SipResponse } from './message.ts';
import { fromHeader } from './name-addr.ts';
import { callIdHeader, cseqHeader } from './scalar-headers.ts';
import { MAGIC_COOKIE, topVia, viaBranch, viaSentBy } from './via.ts';

/** A branch that carries a transaction id after the cookie; RFC 4475 badbranch has only the cookie. */
export function isRfc3261Branch(branch: string | undefined): branch is string {
  return branch !== undefined && branch.startsWith(MAGIC_COOKIE) && branch.length > MAGIC_COOKIE.length;
}

/**
 * §17.2.3: branch + sent-by + method, where ACK is matched as INVITE. Pass `asMethod` to
 * look up the transaction a CANCEL refers to (its INVITE). Requests from RFC 2543 elements
 * (no magic cookie) are keyed on Request-URI, From tag, Call-ID, CSeq number and top Via
 * instead; the To tag is left out so an ACK still finds its INVITE.
 */
export function serverTransactionKey(request: SipRequest, asMethod?: string): string | undefined {
  const via = topVia(request);
  if (!via) return undefined;
  const method = asMethod ?? (request.method === 'ACK' ? 'INVITE' : request.method);
  const branch = viaBranch(via);
  if (isRfc3261Branch(branch)) return `${branch}|${viaSentBy(via)}|${method}`;
  const cseq = cseqHeader(request);
  const callId = callIdHeader(request);
  if (!cseq || callId === undefined) return undefined;
  const fromTag = fromHeader(request)?.params.get('tag') ?? '';
  return ['2543', formatUri(request.uri), fromTag, callId, cseq.seq, viaSentBy(via), branch ?? '', method].join('|');
}

/** §17.1.3: the branch of the top Via plus the CSeq method. */
export function clientTransactionKey(message: SipRequest | SipResponse): string | undefined {
  const branch = (() => {
    const via = topVia(message);
    return via ? viaBranch(via) : undefined;
  })();
  const cseq = cseqHeader(message);
  if (branch === undefined || !cseq) return undefined;
  return `${branch}|${cseq.method}`;
}
