// Requests the transaction layer builds itself: the ACK for a non-2xx final response
// (RFC 3261 §17.1.1.3) and CANCEL (§9.1).
import { headerValue, headerValues } from './message.ts';
import type { HeaderField, SipRequest, SipResponse } from './message.ts';
import { cseqHeader } from './scalar-headers.ts';
import { MAGIC_COOKIE } from './via.ts';
import { randomHex } from './random-hex.ts';

export function generateBranch(): string {
  return `${MAGIC_COOKIE}${randomHex(10)}`;
}

/** Call-ID, From, Request-URI and CSeq number of `original`, with `method` and its single top Via. */
function sameTransactionRequest(original: SipRequest, method: string, to: string): SipRequest {
  const cseq = cseqHeader(original);
  const headers: HeaderField[] = [
    { name: 'Via', value: headerValue(original, 'Via') ?? '' },
    { name: 'Max-Forwards', value: '70' },
    ...headerValues(original, 'Route').map((value) => ({ name: 'Route', value })),
    { name: 'From', value: headerValue(original, 'From') ?? '' },
    { name: 'To', value: to },
    { name: 'Call-ID', value: headerValue(original, 'Call-ID') ?? '' },
    { name: 'CSeq', value: `${cseq?.seq ?? 0} ${method}` },
  ];
  return { kind: 'request', method, uri: original.uri, version: original.version, headers, body: Buffer.alloc(0) };
}

/** §17.1.1.3: To from the response (with its tag), everything else from the INVITE. */
export function createNon2xxAck(invite: SipRequest, response: SipResponse): SipRequest {
  return sameTransactionRequest(invite, 'ACK', headerValue(response, 'To') ?? headerValue(invite, 'To') ?? '');
}

/** §9.1: same Request-URI, Call-ID, From, To, CSeq number and top Via as the request it cancels. */
export function createCancel(request: SipRequest): SipRequest {
  return sameTransactionRequest(request, 'CANCEL', headerValue(request, 'To') ?? '');
}
