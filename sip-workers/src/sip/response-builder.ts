// Building responses from requests (RFC 3261 §8.2.6) and stamping received/rport on
// an incoming request's top Via (§18.2.1, RFC 3581 §4).
import { headerValue, headerValues, SIP_VERSION } from './message.ts';
import type { HeaderField, SipRequest, SipResponse } from './message.ts';
import { formatNameAddr, parseNameAddr } from './name-addr.ts';
import type { BadRequestContext } from './parser.ts';
import { replaceTopVia, topVia } from './via.ts';
import { randomHex } from './random-hex.ts';

const REASONS: Readonly<Record<number, string>> = {
  100: 'Trying', 180: 'Ringing', 181: 'Call Is Being Forwarded', 182: 'Queued', 183: 'Session Progress',
  200: 'OK', 202: 'Accepted', 300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Moved Temporarily',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  407: 'Proxy Authentication Required', 408: 'Request Timeout', 415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme', 420: 'Bad Extension', 423: 'Interval Too Brief',
  480: 'Temporarily Unavailable', 481: 'Call/Transaction Does Not Exist', 482: 'Loop Detected',
  483: 'Too Many Hops', 484: 'Address Incomplete', 486: 'Busy Here', 487: 'Request Terminated',
  488: 'Not Acceptable Here', 491: 'Request Pending', 500: 'Server Internal Error', 501: 'Not Implemented',
  502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Server Time-out', 505: 'Version Not Supported',
  513: 'Message Too Large', 600: 'Busy Everywhere', 603: 'Decline', 604: 'Does Not Exist Anywhere',
  606: 'Not Acceptable',
};

export function defaultReason(status: number): string {
  return REASONS[status] ?? (status < 200 ? 'Session Progress' : 'Unknown');
}

export function generateTag(): string {
  return randomHex(6);
}

export interface ResponseOptions {
  reason?: string;
  /** To tag to add when the request's To has none; generated when omitted (not for 100). */
  toTag?: string;
  headers?: HeaderField[];
  body?: Buffer;
}

/** §8.2.6.2: Via, From, Call-ID, CSeq copied; To copied with a tag added for non-100 responses. */
export function createResponse(request: SipRequest, status: number, options: ResponseOptions = {}): SipResponse {
  const headers: HeaderField[] = headerValues(request, 'Via').map((value) => ({ name: 'Via', value }));
  const to = headerValue(request, 'To') ?? '';
  let toValue = to;
  const parsedTo = parseNameAddr(to);
  if (status > 100 && parsedTo.ok && !parsedTo.value.params.has('tag')) {
    parsedTo.value.params.set('tag', options.toTag ?? generateTag());
    toValue = formatNameAddr(parsedTo.value);
  }
  headers.push(
    { name: 'From', value: headerValue(request, 'From') ?? '' },
    { name: 'To', value: toValue },
    { name: 'Call-ID', value: headerValue(request, 'Call-ID') ?? '' },
    { name: 'CSeq', value: headerValue(request, 'CSeq') ?? '' },
    ...(options.headers ?? []),
  );
  return {
    kind: 'response',
    status,
    reason: options.reason ?? defaultReason(status),
    version: SIP_VERSION,
    headers,
    body: options.body ?? Buffer.alloc(0),
  };
}

/** The stateless answer to a request the parser refused (§8.2, RFC 4475 §3.1.2). */
export function createBadRequestResponse(context: BadRequestContext): SipResponse {
  return {
    kind: 'response',
    status: context.status,
    reason: context.reason,
    version: SIP_VERSION,
    headers: context.headers.map((h) => ({ ...h })),
    body: Buffer.alloc(0),
  };
}

/**
 * §18.2.1 + RFC 3581: add received= when the sent-by host is not the packet's source
 * address (always, when rport is present) and fill an empty rport with the source port.
 */
export function stampReceived(request: SipRequest, source: { address: string; port: number }): void {
  const top = topVia(request);
  if (!top) return;
  const via = { ...top, params: new Map(top.params) };
  const rport = via.params.get('rport');
  const wantsRport = rport !== undefined;
  if (wantsRport || via.host.replace(/^\[|\]$/g, '').toLowerCase() !== source.address.toLowerCase()) {
    via.params.set('received', source.address);
  }
  if (rport === null) via.params.set('rport', String(source.port));
  replaceTopVia(request, via);
}
