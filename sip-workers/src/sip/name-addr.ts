// name-addr / addr-spec values: From, To, Contact, Route, Record-Route (RFC 3261 §20, §25.1).
import { fail, formatParams, isToken, ok, parseParams, quote, readQuoted, splitOutside } from './header-lexer.ts';
import type { Params, Result } from './header-lexer.ts';
import { headerValue, headerValues } from './message.ts';
import type { HeaderField } from './message.ts';
import { rememberParses } from './recent-parses.ts';
import { formatUri, parseUri } from './uri.ts';
import type { Uri } from './uri.ts';

export interface NameAddr {
  displayName?: string;
  uri: Uri;
  /** Header parameters (tag, expires, q, …), not uri-parameters. */
  params: Params;
}

export type ContactValue = { star: true } | ({ star: false } & NameAddr);

function parseDisplayAndUri(head: string): Result<{ displayName?: string; uriText: string; rest: string }> {
  let display: string | undefined;
  let index: number;
  if (head.startsWith('"')) {
    const quoted = readQuoted(head, 0);
    if (!quoted) return fail('unterminated quoted display name');
    display = quoted.text;
    index = quoted.end;
    while (head[index] === ' ' || head[index] === '\t') index++;
    if (head[index] !== '<') return fail('quoted display name not followed by <');
  } else {
    const open = head.indexOf('<');
    if (open < 0) {
      // addr-spec: uri-parameters would be ambiguous, so ';' starts header parameters,
      // and a URI with ',', '?' or ';' had to be in <> (§20).
      const semi = head.indexOf(';');
      const uriText = (semi < 0 ? head : head.slice(0, semi)).trim();
      if (/[,?\s]/.test(uriText)) return fail('addr-spec with "?", "," or spaces must be enclosed in <>');
      return ok({ uriText, rest: semi < 0 ? '' : head.slice(semi) });
    }
    const words = head.slice(0, open).trim();
    if (words !== '') {
      if (!words.split(/[ \t]+/).every(isToken)) return fail('display name is neither a quoted string nor tokens');
      display = words;
    }
    index = open;
  }
  const close = head.indexOf('>', index);
  if (close < 0) return fail('unclosed <');
  // Liberal per RFC 4475 badaspec: LWS just inside <> is tolerated.
  const uriText = head.slice(index + 1, close).trim();
  const result: { displayName?: string; uriText: string; rest: string } = { uriText, rest: head.slice(close + 1) };
  if (display !== undefined) result.displayName = display;
  return ok(result);
}

export function parseNameAddr(value: string): Result<NameAddr> {
  const head = value.trim();
  const parts = parseDisplayAndUri(head);
  if (!parts.ok) return parts;
  const uri = parseUri(parts.value.uriText);
  if (!uri.ok) return fail(`invalid URI: ${uri.error}`);
  const rest = parts.value.rest.trim();
  if (rest !== '' && !rest.startsWith(';')) return fail('unexpected text after URI');
  const pieces = rest === '' ? [] : splitOutside(rest.slice(1), ';');
  if (!pieces) return fail('unbalanced quotes in parameters');
  const params = parseParams(pieces);
  if (!params.ok) return params;
  const nameAddr: NameAddr = { uri: uri.value, params: params.value };
  if (parts.value.displayName !== undefined) nameAddr.displayName = parts.value.displayName;
  return ok(nameAddr);
}

/**
 * parseNameAddr, remembered for the last eight values (recent-parses.ts): From and To are read
 * again and again while one message is handled, and Contact and Record-Route by the dialog after
 * validation. The NameAddr returned is shared: copy it (its params Map too) before changing it.
 */
export const rememberedNameAddr = rememberParses(parseNameAddr, 8);

/** A Contact value: '*' or a name-addr (shared, as rememberedNameAddr's). */
export function parseContact(value: string): Result<ContactValue> {
  if (value.trim() === '*') return ok({ star: true });
  const parsed = rememberedNameAddr(value);
  return parsed.ok ? ok({ star: false, ...parsed.value }) : parsed;
}

/** Always the <>-form, which is unambiguous whatever the URI holds. */
export function formatNameAddr(nameAddr: NameAddr): string {
  const display = nameAddr.displayName === undefined ? '' : `${quote(nameAddr.displayName)} `;
  return `${display}<${formatUri(nameAddr.uri)}>${formatParams(nameAddr.params)}`;
}

export function nameAddrTag(nameAddr: NameAddr): string | undefined {
  return nameAddr.params.get('tag') ?? undefined;
}

/** Shared (see rememberedNameAddr): copy before changing. */
function readNameAddr(message: { headers: readonly HeaderField[] }, name: string): NameAddr | undefined {
  const value = headerValue(message, name);
  if (value === undefined) return undefined;
  const parsed = rememberedNameAddr(value);
  return parsed.ok ? parsed.value : undefined;
}

export function fromHeader(message: { headers: readonly HeaderField[] }): NameAddr | undefined {
  return readNameAddr(message, 'From');
}

export function toHeader(message: { headers: readonly HeaderField[] }): NameAddr | undefined {
  return readNameAddr(message, 'To');
}

function readNameAddrList(message: { headers: readonly HeaderField[] }, name: string): NameAddr[] | undefined {
  const out: NameAddr[] = [];
  for (const value of headerValues(message, name)) {
    const parsed = rememberedNameAddr(value);
    if (!parsed.ok) return undefined;
    out.push(parsed.value);
  }
  return out;
}

export function contacts(message: { headers: readonly HeaderField[] }): ContactValue[] | undefined {
  const out: ContactValue[] = [];
  for (const value of headerValues(message, 'Contact')) {
    const parsed = parseContact(value);
    if (!parsed.ok) return undefined;
    out.push(parsed.value);
  }
  return out;
}

export function routes(message: { headers: readonly HeaderField[] }): NameAddr[] | undefined {
  return readNameAddrList(message, 'Route');
}

export function recordRoutes(message: { headers: readonly HeaderField[] }): NameAddr[] | undefined {
  return readNameAddrList(message, 'Record-Route');
}

/** Contact expires parameter, clamped to 2^32-1 as §20.19 allows for overlarge values. */
export function contactExpires(contact: NameAddr): number | undefined {
  const value = contact.params.get('expires');
  if (value === undefined || value === null || !/^\d+$/.test(value)) return undefined;
  return Math.min(Number(value), 0xffffffff);
}
