// A <Sip> noun's URI may carry headers (sip:agent@pbx.example.com?X-Ticket=42): how Twilio's and
// Vonage's customers hand their own context to their SIP endpoints. RFC 3261 §19.1.5: they become
// headers of the request built from the URI and never stay in its Request-URI. The URI comes from
// the customer's webhook, so only what is theirs to set passes: X- headers (not our own
// X-Switchyard-) and User-to-User (RFC 7433), each value on one line, so none can add a Route, a
// Via or a header of its own.
import { isToken } from '../sip/header-lexer.ts';
import type { HeaderField } from '../sip/message.ts';
import type { SipUri } from '../sip/uri.ts';

/** Longer values are refused rather than cut: a cut value would be a different one. */
const maxValueLength = 1024;
const maxHeaders = 16;

export interface SipNounRequest {
  /** The URI without its headers. */
  requestUri: SipUri;
  headers: HeaderField[];
  /** Names of the URI's headers that were not passed on. */
  refused: string[];
}

const customerHeader = (name: string) => {
  const lower = name.toLowerCase();
  return (lower.startsWith('x-') && !lower.startsWith('x-switchyard-') && name.length > 2) || lower === 'user-to-user';
};

// No control characters but HTAB (RFC 3261 §25.1 TEXT-UTF8char, LWS): a CR or LF would start a new header line.
function oneLine(value: string): boolean {
  if (value.length > maxValueLength) return false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return false;
  }
  return true;
}

export function sipNounRequest(uri: SipUri): SipNounRequest {
  const headers: HeaderField[] = [];
  const refused: string[] = [];
  for (const [name, value] of uri.headers) {
    if (isToken(name) && customerHeader(name) && oneLine(value) && headers.length < maxHeaders) headers.push({ name, value });
    else refused.push(name);
  }
  return { requestUri: { ...uri, headers: [] }, headers, refused };
}
