// What a transaction keeps of its messages once the final response is out. RFC 6026 keeps INVITE
// transactions for 32 s after a 2xx (Timers L and M), and non-INVITE ones as long (Timer J over
// UDP), so at hundreds of calls a second the requests they hold are most of the worker's heap.
// After the final response only the headers that build a response (§8.2.6.2) or an ACK, and the
// ones that identify the transaction, are still read; the rest goes. Header text parsed from a
// datagram is a slice of the whole datagram's text, which a kept slice would keep alive, so the
// kept values are copied.
import { SIP_VERSION } from './message.ts';
import type { HeaderField, SipRequest, SipResponse } from './message.ts';
import type { SipUri, Uri, UriParams } from './uri.ts';

const KEPT_HEADERS = new Set(['Via', 'From', 'To', 'Call-ID', 'CSeq']);
const EMPTY_BODY = Buffer.alloc(0);

/**
 * A copy of a string that shares no storage with the text it was sliced from, as one flat string:
 * a JSON round trip is as fast as a Buffer's, and `(' ' + text).slice(1)` would keep a 32-byte
 * slice object on top of its copy (~0.8 KB a call across the transactions kept 32 s).
 */
export function detachedString(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}

export function retainedRequest(request: SipRequest): SipRequest {
  const headers: HeaderField[] = [];
  for (const field of request.headers) {
    if (KEPT_HEADERS.has(field.name)) headers.push({ name: field.name, value: detachedString(field.value) });
  }
  return {
    kind: 'request',
    method: request.method,
    uri: detachedUri(request.uri),
    version: SIP_VERSION,
    headers,
    body: EMPTY_BODY,
  };
}

function detachedParams(params: UriParams): UriParams {
  const copy: UriParams = new Map();
  for (const [name, value] of params) copy.set(detachedString(name), value === null ? null : detachedString(value));
  return copy;
}

/** The same URI, its text copied (a digest answer to a 401 still needs the Request-URI). */
function detachedUri(uri: Uri): Uri {
  switch (uri.kind) {
    case 'other':
      return { kind: 'other', scheme: detachedString(uri.scheme), opaque: detachedString(uri.opaque) };
    case 'tel':
      return { kind: 'tel', number: detachedString(uri.number), params: detachedParams(uri.params) };
    case 'sip': {
      const copy: SipUri = { ...uri, host: detachedString(uri.host), params: detachedParams(uri.params), headers: uri.headers.map(([name, value]): [string, string] => [detachedString(name), detachedString(value)]) };
      if (uri.user !== undefined) copy.user = detachedString(uri.user);
      if (uri.password !== undefined) copy.password = detachedString(uri.password);
      return copy;
    }
  }
}

/** A response to resend as is, sharing no text with the request it answers (whose header values it copies). */
export function retainedResponse(response: SipResponse): SipResponse {
  return {
    ...response,
    headers: response.headers.map((field) => ({ name: field.name, value: detachedString(field.value) })),
    // Each empty body would otherwise keep a Buffer and an ArrayBuffer of its own.
    body: response.body.length === 0 ? EMPTY_BODY : response.body,
  };
}
