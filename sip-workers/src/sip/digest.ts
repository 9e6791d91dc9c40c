// WWW-Authenticate, Authorization, Proxy-Authenticate, Proxy-Authorization
// (RFC 3261 §20.7, §20.27, §20.28, §20.44, §25.1; digest params of RFC 2617).
import { fail, isToken, ok, quote, readQuoted, splitOutside } from './header-lexer.ts';
import type { Result } from './header-lexer.ts';
import { headerValues } from './message.ts';
import type { HeaderField } from './message.ts';

export interface AuthHeader {
  /** "Digest" for RFC 2617 digest; other schemes are kept so the TU can refuse them (RFC 4475 regaut01). */
  scheme: string;
  /** auth-param names lower-cased, values unquoted. */
  params: Map<string, string>;
}

export function parseAuthHeader(value: string): Result<AuthHeader> {
  const trimmed = value.trim();
  const space = trimmed.search(/\s/);
  const scheme = space < 0 ? trimmed : trimmed.slice(0, space);
  if (!isToken(scheme)) return fail('invalid auth scheme');
  const params = new Map<string, string>();
  if (space < 0) return ok({ scheme, params });
  const pieces = splitOutside(trimmed.slice(space + 1), ',');
  if (!pieces) return fail('unbalanced quotes in auth params');
  for (const raw of pieces) {
    const piece = raw.trim();
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    if (eq <= 0) return fail('auth-param without "="');
    const name = piece.slice(0, eq).trim();
    const rawValue = piece.slice(eq + 1).trim();
    if (!isToken(name)) return fail('invalid auth-param name');
    if (rawValue.startsWith('"')) {
      const quoted = readQuoted(rawValue, 0);
      if (!quoted || quoted.end !== rawValue.length) return fail(`invalid quoted value for ${name}`);
      params.set(name.toLowerCase(), quoted.text);
    } else {
      if (!isToken(rawValue)) return fail(`invalid value for ${name}`);
      params.set(name.toLowerCase(), rawValue);
    }
  }
  return ok({ scheme, params });
}

// Params that RFC 2617 sends as tokens; everything else is quoted.
const UNQUOTED = new Set(['algorithm', 'stale', 'nc', 'qop']);

/**
 * Formats a challenge or credentials. In a challenge `qop` is a quoted list; pass
 * `quoteQop: true` for WWW-Authenticate / Proxy-Authenticate.
 */
export function formatAuthHeader(header: AuthHeader, options: { quoteQop?: boolean } = {}): string {
  const parts: string[] = [];
  for (const [name, value] of header.params) {
    const bare = UNQUOTED.has(name) && !(name === 'qop' && options.quoteQop === true);
    parts.push(`${name}=${bare ? value : quote(value)}`);
  }
  return parts.length === 0 ? header.scheme : `${header.scheme} ${parts.join(', ')}`;
}

export function authHeaders(
  message: { headers: readonly HeaderField[] },
  name: 'WWW-Authenticate' | 'Authorization' | 'Proxy-Authenticate' | 'Proxy-Authorization',
): AuthHeader[] {
  const out: AuthHeader[] = [];
  for (const value of headerValues(message, name)) {
    const parsed = parseAuthHeader(value);
    if (parsed.ok) out.push(parsed.value);
  }
  return out;
}
