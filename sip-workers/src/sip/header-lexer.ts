// Lexical pieces shared by the header-value parsers (RFC 3261 §25.1).
// Header values reach here already unfolded (LWS continuations replaced by SP).

export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T>(error: string): Result<T> {
  return { ok: false, error };
}

/** Parameter names are case-insensitive, so keys are lower-cased; a flag parameter has value null. */
export type Params = Map<string, string | null>;

const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
// Parameter values: token, plus the characters of host and IPv6 literals (received=, maddr=).
const PARAM_VALUE = /^[A-Za-z0-9\-.!%*_+`'~:[\]]+$/;

/**
 * Strips SP and HTAB only: SIP's LWS. String.prototype.trim() would also eat U+FEFF and
 * other Unicode spaces that are part of a UTF-8 header value (RFC 4475 intmeth).
 */
export function trimLws(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && (text[start] === ' ' || text[start] === '\t')) start++;
  while (end > start && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

export function isToken(text: string): boolean {
  return TOKEN.test(text);
}

/**
 * Splits on `separator` only outside quoted strings and <...>, so a comma inside
 * a display name or a URI does not cut a list element in half.
 * Returns undefined when a quote or angle bracket is left open.
 */
export function splitOutside(value: string, separator: string): string[] | undefined {
  const parts: string[] = [];
  let inQuotes = false;
  let angle = 0;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (inQuotes) {
      if (ch === '\\') i++;
      else if (ch === '"') inQuotes = false;
      continue;
    }
    if (ch === '"') inQuotes = true;
    else if (ch === '<') angle++;
    else if (ch === '>') angle = Math.max(0, angle - 1);
    else if (ch === separator && angle === 0) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  if (inQuotes || angle !== 0) return undefined;
  parts.push(value.slice(start));
  return parts;
}

/** Reads a quoted-string starting at `start` (which must be `"`); returns its unescaped text and the index after it. */
export function readQuoted(value: string, start: number): { text: string; end: number } | undefined {
  let text = '';
  for (let i = start + 1; i < value.length; i++) {
    const ch = value[i];
    if (ch === '\\') {
      const next = value[i + 1];
      if (next === undefined || next === '\r' || next === '\n') return undefined;
      text += next;
      i++;
    } else if (ch === '"') {
      return { text, end: i + 1 };
    } else {
      text += ch;
    }
  }
  return undefined;
}

export function quote(text: string): string {
  return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** Removes surrounding quotes (and quoted-pair escapes) when present. */
export function unquote(text: string): string {
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    return readQuoted(text, 0)?.text ?? text;
  }
  return text;
}

/**
 * Parses `;name=value;flag` pieces (already split, leading head removed).
 * Quoted values keep their quotes so a re-serialised parameter is byte-identical.
 */
export function parseParams(pieces: readonly string[]): Result<Params> {
  const params: Params = new Map();
  for (const raw of pieces) {
    const piece = raw.trim();
    if (piece === '') return fail('empty parameter');
    const eq = piece.indexOf('=');
    const name = (eq < 0 ? piece : piece.slice(0, eq)).trim();
    if (!isToken(name)) return fail(`invalid parameter name "${name}"`);
    if (eq < 0) {
      params.set(name.toLowerCase(), null);
      continue;
    }
    const value = piece.slice(eq + 1).trim();
    const valid = value.startsWith('"') ? readQuoted(value, 0)?.end === value.length : PARAM_VALUE.test(value);
    if (!valid) return fail(`invalid value for parameter "${name}"`);
    params.set(name.toLowerCase(), value);
  }
  return ok(params);
}

export function formatParams(params: Params): string {
  let out = '';
  for (const [name, value] of params) out += value === null ? `;${name}` : `;${name}=${value}`;
  return out;
}
