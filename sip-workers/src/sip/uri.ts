// SIP, SIPS and tel URIs (RFC 3261 §19.1, §25.1; RFC 3966 kept opaque past the number).
import { isIPv6 } from 'node:net';
import { fail, ok } from './header-lexer.ts';
import type { Params, Result } from './header-lexer.ts';

export type UriParams = Params;

export interface SipUri {
  kind: 'sip';
  scheme: 'sip' | 'sips';
  /** Unescaped user part (may contain ';', '?', even NUL after unescaping). */
  user?: string;
  password?: string;
  /** Host as written; IPv6 references keep their brackets ("[2001:db8::1]"). */
  host: string;
  port?: number;
  /** Unescaped uri-parameters, names lower-cased; a flag (";lr") has value null. */
  params: UriParams;
  /** Unescaped headers ("?Route=..."). */
  headers: Array<[string, string]>;
}

export interface TelUri {
  kind: 'tel';
  number: string;
  params: UriParams;
}

/** Any other absoluteURI: kept as written, since only the scheme's owner can interpret it. */
export interface OtherUri {
  kind: 'other';
  scheme: string;
  opaque: string;
}

export type Uri = SipUri | TelUri | OtherUri;

const SCHEME = /^[A-Za-z][A-Za-z0-9+\-.]*$/;
const USER = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,;?/]|%[0-9A-Fa-f]{2})+$/;
const PASSWORD = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,]|%[0-9A-Fa-f]{2})*$/;
const PARAM_TEXT = /^(?:[A-Za-z0-9\-_.!~*'()[\]/:&+$]|%[0-9A-Fa-f]{2})+$/;
const HEADER_TEXT = /^(?:[A-Za-z0-9\-_.!~*'()[\]/?:+$]|%[0-9A-Fa-f]{2})*$/;
const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/;
const OPAQUE = /^[^\s<>"]+$/;

function unescape(text: string): string {
  // Most users, hosts and parameters have no escapes; this runs for every URI of every message.
  if (!text.includes('%')) return text;
  // Validated before: every '%' starts a two-hex-digit escape.
  return text.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Escapes every character outside `keep` (a character-class body) as %XX of its UTF-8 bytes. */
function escapeExcept(text: string, keep: RegExp): string {
  let out = '';
  for (const ch of text) {
    if (keep.test(ch)) out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const USER_KEEP = /^[A-Za-z0-9\-_.!~*'()&=+$,;?/]$/;
const PASSWORD_KEEP = /^[A-Za-z0-9\-_.!~*'()&=+$,]$/;
const PARAM_KEEP = /^[A-Za-z0-9\-_.!~*'()[\]/:&+$]$/;
const HEADER_KEEP = /^[A-Za-z0-9\-_.!~*'()[\]/?:+$]$/;

export function parseHost(text: string): Result<{ host: string; port?: number }> {
  let host: string;
  let rest: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || !isIPv6(text.slice(1, close))) return fail('invalid IPv6 reference');
    host = text.slice(0, close + 1);
    rest = text.slice(close + 1);
  } else {
    const colon = text.indexOf(':');
    host = colon < 0 ? text : text.slice(0, colon);
    rest = colon < 0 ? '' : text.slice(colon);
    if (!HOSTNAME.test(host)) return fail(`invalid host "${host}"`);
  }
  if (rest === '') return ok({ host });
  if (!/^:\d{1,5}$/.test(rest)) return fail('invalid port');
  const port = Number(rest.slice(1));
  if (port > 65535) return fail('port out of range');
  return ok({ host, port });
}

function parseUriParams(pieces: readonly string[]): Result<UriParams> {
  const params: UriParams = new Map();
  for (const piece of pieces) {
    const eq = piece.indexOf('=');
    const name = eq < 0 ? piece : piece.slice(0, eq);
    const value = eq < 0 ? null : piece.slice(eq + 1);
    if (!PARAM_TEXT.test(name) || (value !== null && !PARAM_TEXT.test(value))) {
      return fail(`invalid uri-parameter "${piece}"`);
    }
    params.set(unescape(name).toLowerCase(), value === null ? null : unescape(value));
  }
  return ok(params);
}

function parseSipUri(scheme: 'sip' | 'sips', rest: string): Result<SipUri> {
  const at = rest.indexOf('@');
  let user: string | undefined;
  let password: string | undefined;
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    const rawUser = colon < 0 ? userinfo : userinfo.slice(0, colon);
    if (!USER.test(rawUser)) return fail('invalid user part');
    user = unescape(rawUser);
    if (colon >= 0) {
      const rawPassword = userinfo.slice(colon + 1);
      if (!PASSWORD.test(rawPassword)) return fail('invalid password');
      password = unescape(rawPassword);
    }
  }
  const afterUser = rest.slice(at + 1);
  const question = afterUser.indexOf('?');
  const beforeHeaders = question < 0 ? afterUser : afterUser.slice(0, question);
  const [hostport = '', ...paramPieces] = beforeHeaders.split(';');
  const hostResult = parseHost(hostport);
  if (!hostResult.ok) return hostResult;
  const params = parseUriParams(paramPieces);
  if (!params.ok) return params;
  const headers: Array<[string, string]> = [];
  if (question >= 0) {
    for (const piece of afterUser.slice(question + 1).split('&')) {
      const eq = piece.indexOf('=');
      if (eq <= 0) return fail('invalid uri header');
      const name = piece.slice(0, eq);
      const value = piece.slice(eq + 1);
      if (!HEADER_TEXT.test(name) || !HEADER_TEXT.test(value)) return fail('invalid uri header');
      headers.push([unescape(name), unescape(value)]);
    }
  }
  const uri: SipUri = { kind: 'sip', scheme, host: hostResult.value.host, params: params.value, headers };
  if (user !== undefined) uri.user = user;
  if (password !== undefined) uri.password = password;
  if (hostResult.value.port !== undefined) uri.port = hostResult.value.port;
  return ok(uri);
}

function parseTelUri(rest: string): Result<TelUri> {
  const [number = '', ...paramPieces] = rest.split(';');
  if (!/^\+?[0-9A-Fa-f*#().-]+$/.test(number)) return fail('invalid telephone-subscriber');
  const params = parseUriParams(paramPieces);
  if (!params.ok) return params;
  return ok({ kind: 'tel', number, params: params.value });
}

export function parseUri(text: string): Result<Uri> {
  const colon = text.indexOf(':');
  if (colon <= 0) return fail('URI has no scheme');
  const scheme = text.slice(0, colon);
  if (!SCHEME.test(scheme)) return fail('invalid URI scheme');
  const rest = text.slice(colon + 1);
  const lower = scheme.toLowerCase();
  if (lower === 'sip' || lower === 'sips') return parseSipUri(lower, rest);
  if (lower === 'tel') return parseTelUri(rest);
  if (!OPAQUE.test(rest)) return fail('invalid URI');
  return ok({ kind: 'other', scheme: lower, opaque: rest });
}

function formatUriParams(params: UriParams): string {
  let out = '';
  for (const [name, value] of params) {
    out += `;${escapeExcept(name, PARAM_KEEP)}`;
    if (value !== null) out += `=${escapeExcept(value, PARAM_KEEP)}`;
  }
  return out;
}

export function formatUri(uri: Uri): string {
  if (uri.kind === 'other') return `${uri.scheme}:${uri.opaque}`;
  if (uri.kind === 'tel') return `tel:${uri.number}${formatUriParams(uri.params)}`;
  let out = `${uri.scheme}:`;
  if (uri.user !== undefined) {
    out += escapeExcept(uri.user, USER_KEEP);
    if (uri.password !== undefined) out += `:${escapeExcept(uri.password, PASSWORD_KEEP)}`;
    out += '@';
  }
  out += uri.host;
  if (uri.port !== undefined) out += `:${uri.port}`;
  out += formatUriParams(uri.params);
  if (uri.headers.length > 0) {
    out += `?${uri.headers.map(([n, v]) => `${escapeExcept(n, HEADER_KEEP)}=${escapeExcept(v, HEADER_KEEP)}`).join('&')}`;
  }
  return out;
}

/** Host without IPv6 brackets, as sockets want it. */
export function socketHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
