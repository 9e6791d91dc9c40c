// Single-valued headers with simple grammars: CSeq, Call-ID, Max-Forwards,
// Content-Length, Expires (RFC 3261 §20.16, §20.8, §20.22, §20.14, §20.19).
import { fail, isToken, ok, trimLws } from './header-lexer.ts';
import type { Result } from './header-lexer.ts';
import { headerValue } from './message.ts';
import type { HeaderField } from './message.ts';

export interface CSeq {
  seq: number;
  method: string;
}

/** §8.1.1.5: the sequence number MUST be less than 2**31. */
export const MAX_CSEQ = 0x7fffffff;

export function parseCSeq(value: string): Result<CSeq> {
  const match = /^(\d+)\s+(\S+)$/.exec(value.trim());
  if (!match) return fail('invalid CSeq');
  const [, digits = '', method = ''] = match;
  const seq = Number(digits);
  if (digits.length > 10 || seq > MAX_CSEQ) return fail('CSeq number out of range');
  if (!isToken(method)) return fail('invalid CSeq method');
  return ok({ seq, method });
}

export function formatCSeq(cseq: CSeq): string {
  return `${cseq.seq} ${cseq.method}`;
}

// word = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" / "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}")
const WORD = /^[A-Za-z0-9\-.!%*_+`'~()<>:\\"/[\]?{}]+$/;

export function parseCallId(value: string): Result<string> {
  const trimmed = trimLws(value);
  const at = trimmed.indexOf('@');
  const parts = at < 0 ? [trimmed] : [trimmed.slice(0, at), trimmed.slice(at + 1)];
  if (!parts.every((p) => WORD.test(p))) return fail('invalid Call-ID');
  return ok(trimmed);
}

/** Max-Forwards is 1*DIGIT; values above 255 cannot be produced by a conforming element. */
export function parseMaxForwards(value: string): Result<number> {
  const trimmed = value.trim();
  if (!/^\d{1,10}$/.test(trimmed)) return fail('invalid Max-Forwards');
  const n = Number(trimmed);
  if (n > 255) return fail('Max-Forwards out of range');
  return ok(n);
}

export function parseContentLength(value: string): Result<number> {
  const trimmed = value.trim();
  if (!/^\d{1,10}$/.test(trimmed)) return fail('invalid Content-Length');
  return ok(Number(trimmed));
}

/** Expires delta-seconds; §20.19 says overlarge values are treated as 2**32-1. */
export function parseExpires(value: string): Result<number> {
  const trimmed = value.trim();
  if (!/^\d+$/.test(trimmed)) return fail('invalid Expires');
  return ok(Math.min(Number(trimmed), 0xffffffff));
}

function read<T>(message: { headers: readonly HeaderField[] }, name: string, parse: (v: string) => Result<T>): T | undefined {
  const value = headerValue(message, name);
  if (value === undefined) return undefined;
  const parsed = parse(value);
  return parsed.ok ? parsed.value : undefined;
}

export function cseqHeader(message: { headers: readonly HeaderField[] }): CSeq | undefined {
  return read(message, 'CSeq', parseCSeq);
}

export function callIdHeader(message: { headers: readonly HeaderField[] }): string | undefined {
  return read(message, 'Call-ID', parseCallId);
}

export function maxForwardsHeader(message: { headers: readonly HeaderField[] }): number | undefined {
  return read(message, 'Max-Forwards', parseMaxForwards);
}

export function expiresHeader(message: { headers: readonly HeaderField[] }): number | undefined {
  return read(message, 'Expires', parseExpires);
}
