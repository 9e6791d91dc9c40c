// Wire bytes → SipMessage (RFC 3261 §7, §18.3, §25). Never throws: every outcome is a value,
// and a refused request carries what is needed to answer it with 400 (§8.2, §16.3).
import { canonicalHeaderName, isListHeader } from './header-names.ts';
import { isToken, splitOutside, trimLws } from './header-lexer.ts';
import type { HeaderField, SipMessage, SipRequest, SipResponse } from './message.ts';
import { SIP_VERSION } from './message.ts';
import { validateHeaders } from './message-validation.ts';
import { parseUri } from './uri.ts';

export const PARSE_LIMITS = {
  maxMessageBytes: 64 * 1024,
  maxHeaders: 256,
  maxHeaderLineBytes: 8 * 1024,
} as const;

export type ParseErrorKind =
  | 'too-large'
  | 'too-many-headers'
  | 'header-too-long'
  | 'no-header-end'
  | 'bad-start-line'
  | 'bad-version'
  | 'bad-request-uri'
  | 'bad-header-line'
  | 'bad-header-value'
  | 'missing-header'
  | 'duplicate-header'
  | 'cseq-mismatch'
  | 'bad-content-length'
  | 'body-length-mismatch'
  | 'internal';

export interface ParseError {
  kind: ParseErrorKind;
  detail: string;
}

/** Enough of a refused request to answer it statelessly. */
export interface BadRequestContext {
  /** 400, or 505 when the request's SIP version is not 2.0 (RFC 4475 badvers). */
  status: 400 | 505;
  reason: string;
  /** The Via (all), From, To, Call-ID and CSeq fields as read, to copy into the response. */
  headers: HeaderField[];
}

export type ParseResult =
  | { ok: true; message: SipMessage }
  | { ok: false; error: ParseError; canRespond400?: BadRequestContext };

/**
 * 'datagram': a missing Content-Length means the body runs to the end of the datagram,
 * and octets past Content-Length are discarded (§18.3). 'stream': Content-Length is mandatory.
 */
export type Framing = 'datagram' | 'stream';

const CRLF = Buffer.from('\r\n\r\n');
const REQUEST_LINE_VERSION = /^SIP\/\d+\.\d+$/;
const CONTEXT_HEADERS = ['Via', 'From', 'To', 'Call-ID', 'CSeq'];
// Lenient read of a top Via: enough to know where a 400 would go.
const READABLE_VIA = /^SIP\s*\/\s*[^\s/]+\s*\/\s*[^\s/]+\s+[^\s;,]+/i;

interface StartLine {
  request?: { method: string; uriText: string; version: string };
  response?: { status: number; reason: string; version: string };
  looksLikeRequest: boolean;
  error?: ParseError;
}

function parseStartLine(line: string): StartLine {
  if (line.startsWith('SIP/')) {
    const match = /^(SIP\/[^ ]+) +(\d+)(?: (.*))?$/.exec(line);
    if (!match) return { looksLikeRequest: false, error: { kind: 'bad-start-line', detail: 'invalid Status-Line' } };
    const [, version = '', code = '', reason = ''] = match;
    if (version !== SIP_VERSION) return { looksLikeRequest: false, error: { kind: 'bad-version', detail: version } };
    const status = Number(code);
    if (code.length !== 3 || status < 100 || status > 699) {
      return { looksLikeRequest: false, error: { kind: 'bad-start-line', detail: 'status code out of range' } };
    }
    return { looksLikeRequest: false, response: { status, reason, version } };
  }
  // Liberal per RFC 4475 lwsstart/trws: runs of SP and trailing SP are accepted.
  const parts = line.replace(/ +$/, '').split(/ +/);
  const looksLikeRequest = REQUEST_LINE_VERSION.test(parts[parts.length - 1] ?? '');
  if (parts.length !== 3 || !looksLikeRequest) {
    return { looksLikeRequest, error: { kind: 'bad-start-line', detail: 'invalid Request-Line' } };
  }
  const [method = '', uriText = '', version = ''] = parts;
  if (!isToken(method)) return { looksLikeRequest, error: { kind: 'bad-start-line', detail: 'invalid method' } };
  if (version !== SIP_VERSION) return { looksLikeRequest, error: { kind: 'bad-version', detail: version } };
  return { looksLikeRequest, request: { method, uriText, version } };
}

/** Splits the header section into unfolded logical lines, enforcing the line limits. */
function headerLines(physical: readonly string[]): { lines: string[] } | { error: ParseError } {
  const lines: string[] = [];
  for (const line of physical) {
    if (line.length > PARSE_LIMITS.maxHeaderLineBytes / 3 && Buffer.byteLength(line) > PARSE_LIMITS.maxHeaderLineBytes) {
      return { error: { kind: 'header-too-long', detail: 'header line over 8 KiB' } };
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (lines.length === 0) return { error: { kind: 'bad-header-line', detail: 'continuation line before any header' } };
      // §7.3.1: a folded line is equivalent to one SP.
      const joined = `${trimLws(lines[lines.length - 1] ?? '')} ${trimLws(line)}`;
      if (joined.length > PARSE_LIMITS.maxHeaderLineBytes) {
        return { error: { kind: 'header-too-long', detail: 'folded header over 8 KiB' } };
      }
      lines[lines.length - 1] = joined;
    } else {
      lines.push(line);
    }
  }
  if (lines.length > PARSE_LIMITS.maxHeaders) return { error: { kind: 'too-many-headers', detail: `${lines.length} headers` } };
  return { lines };
}

function headerFields(lines: readonly string[]): { fields: HeaderField[]; error?: ParseError } {
  const fields: HeaderField[] = [];
  let error: ParseError | undefined;
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon).replace(/[ \t]+$/, '');
    if (!isToken(name) || /[\r\n]/.test(line)) {
      error ??= { kind: 'bad-header-line', detail: `malformed header line "${line.slice(0, 40)}"` };
      continue;
    }
    const canonical = canonicalHeaderName(name);
    const value = trimLws(line.slice(colon + 1));
    const elements = isListHeader(canonical) && value !== '' ? splitOutside(value, ',') : undefined;
    if (elements) {
      for (const element of elements) {
        const trimmed = trimLws(element);
        if (trimmed !== '') fields.push({ name: canonical, value: trimmed });
      }
    } else {
      fields.push({ name: canonical, value });
    }
  }
  return error ? { fields, error } : { fields };
}

function badRequestContext(fields: readonly HeaderField[], error: ParseError): BadRequestContext | undefined {
  const headers: HeaderField[] = [];
  for (const name of CONTEXT_HEADERS) {
    const matching = fields.filter((f) => f.name === name);
    const first = matching[0];
    if (!first) return undefined;
    headers.push(...(name === 'Via' ? matching : [first]));
  }
  if (!READABLE_VIA.test(headers[0]?.value ?? '')) return undefined;
  const status = error.kind === 'bad-version' ? 505 : 400;
  const reason = status === 505 ? 'Version Not Supported' : `Bad Request (${error.detail})`.replace(/[\r\n]/g, ' ');
  return { status, reason, headers };
}

function body(data: Buffer, bodyStart: number, contentLength: number | undefined, framing: Framing): Buffer | ParseError {
  const available = data.length - bodyStart;
  if (contentLength === undefined) {
    if (framing === 'stream') return { kind: 'bad-content-length', detail: 'Content-Length is mandatory on stream transports' };
    return data.subarray(bodyStart);
  }
  if (contentLength > available) {
    return { kind: 'body-length-mismatch', detail: `Content-Length ${contentLength} but ${available} octets of body` };
  }
  return data.subarray(bodyStart, bodyStart + contentLength);
}

function parseUnsafe(data: Buffer, framing: Framing): ParseResult {
  if (data.length > PARSE_LIMITS.maxMessageBytes) return { ok: false, error: { kind: 'too-large', detail: `${data.length} octets` } };
  let start = 0;
  // §7.5: CRLFs before the start line are ignored.
  while (data[start] === 13 && data[start + 1] === 10) start += 2;
  const headerEnd = data.indexOf(CRLF, start);
  if (headerEnd < 0) return { ok: false, error: { kind: 'no-header-end', detail: 'no empty line after the headers' } };
  const physical = data.toString('utf8', start, headerEnd).split('\r\n');
  const startLine = parseStartLine(physical[0] ?? '');
  const unfolded = headerLines(physical.slice(1));
  if ('error' in unfolded) return { ok: false, error: unfolded.error };
  const { fields, error: fieldError } = headerFields(unfolded.lines);
  const refuse = (error: ParseError): ParseResult => {
    const context = startLine.looksLikeRequest ? badRequestContext(fields, error) : undefined;
    return context ? { ok: false, error, canRespond400: context } : { ok: false, error };
  };
  if (startLine.error) return refuse(startLine.error);
  if (fieldError) return refuse(fieldError);
  const method = startLine.request?.method;
  const validated = validateHeaders(fields, method);
  if ('error' in validated) return refuse(validated.error);
  const content = body(data, headerEnd + 4, validated.contentLength, framing);
  if (!Buffer.isBuffer(content)) return refuse(content);
  if (startLine.request) {
    const uri = parseUri(startLine.request.uriText);
    if (!uri.ok) return refuse({ kind: 'bad-request-uri', detail: uri.error });
    // §19.1.5: headers are not allowed in a Request-URI (RFC 4475 escruri).
    if (uri.value.kind === 'sip' && uri.value.headers.length > 0) {
      return refuse({ kind: 'bad-request-uri', detail: 'headers in Request-URI' });
    }
    const { method: requestMethod, version } = startLine.request;
    const request: SipRequest = { kind: 'request', method: requestMethod, uri: uri.value, version, headers: fields, body: content };
    return { ok: true, message: request };
  }
  const status = startLine.response ?? { status: 0, reason: '', version: SIP_VERSION };
  const response: SipResponse = { kind: 'response', ...status, headers: fields, body: content };
  return { ok: true, message: response };
}

export function parseMessage(data: Buffer, options: { framing?: Framing } = {}): ParseResult {
  try {
    return parseUnsafe(data, options.framing ?? 'datagram');
  } catch (err) {
    // Defensive: the receive path must never throw on hostile input.
    return { ok: false, error: { kind: 'internal', detail: err instanceof Error ? err.message : String(err) } };
  }
}
