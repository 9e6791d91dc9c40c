// Checks a parsed header list against the rules a message must meet before the
// transaction layer may trust it (RFC 3261 §8.1.1, §8.2.2, §16.3; RFC 4475 §3.1.2, §3.3).
// Headers we do not act on (Date, Expires, Accept, …) are not validated: being liberal there
// is what RFC 4475 asks for (baddate).
import type { Result } from './header-lexer.ts';
import type { HeaderField } from './message.ts';
import { parseContact, rememberedNameAddr } from './name-addr.ts';
import type { ParseError } from './parser.ts';
import { parseCallId, parseContentLength, parseCSeq, parseMaxForwards } from './scalar-headers.ts';
import { rememberedVia } from './via.ts';

const SINGLE = ['From', 'To', 'Call-ID', 'CSeq'] as const;
const AT_MOST_ONE = ['Max-Forwards', 'Content-Length'] as const;

const VALUE_CHECKS: ReadonlyArray<[string, (value: string) => Result<unknown>]> = [
  // Remembered: these parses are what received/rport, the transaction key, dialogs and routing read next.
  ['Via', rememberedVia],
  ['From', rememberedNameAddr],
  ['To', rememberedNameAddr],
  ['Call-ID', parseCallId],
  ['CSeq', parseCSeq],
  ['Max-Forwards', parseMaxForwards],
  ['Contact', parseContact],
  ['Route', rememberedNameAddr],
  ['Record-Route', rememberedNameAddr],
];

function groupByName(fields: readonly HeaderField[]): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const field of fields) {
    const list = byName.get(field.name);
    if (list) list.push(field.value);
    else byName.set(field.name, [field.value]);
  }
  return byName;
}

/** §8.1.1: Via at least once; From, To, Call-ID, CSeq exactly once; Max-Forwards, Content-Length at most once. */
function checkCounts(byName: ReadonlyMap<string, string[]>): ParseError | undefined {
  if (!byName.has('Via')) return { kind: 'missing-header', detail: 'Via' };
  for (const name of SINGLE) {
    const count = byName.get(name)?.length ?? 0;
    if (count === 0) return { kind: 'missing-header', detail: name };
    if (count > 1) return { kind: 'duplicate-header', detail: name };
  }
  for (const name of AT_MOST_ONE) {
    if ((byName.get(name)?.length ?? 0) > 1) return { kind: 'duplicate-header', detail: name };
  }
  return undefined;
}

function checkValues(byName: ReadonlyMap<string, string[]>): ParseError | undefined {
  for (const [name, check] of VALUE_CHECKS) {
    for (const value of byName.get(name) ?? []) {
      const result = check(value);
      if (!result.ok) return { kind: 'bad-header-value', detail: `${name}: ${result.error}` };
    }
  }
  return undefined;
}

export function validateHeaders(
  fields: readonly HeaderField[],
  method: string | undefined,
): { contentLength: number | undefined } | { error: ParseError } {
  const byName = groupByName(fields);
  const error = checkCounts(byName) ?? checkValues(byName);
  if (error) return { error };
  const cseq = parseCSeq(byName.get('CSeq')?.[0] ?? '');
  // RFC 4475 mismatch01/mismatch02: the CSeq method must be the request's method.
  if (method !== undefined && cseq.ok && cseq.value.method !== method) {
    return { error: { kind: 'cseq-mismatch', detail: `CSeq method ${cseq.value.method} is not ${method}` } };
  }
  const contentLengthValue = byName.get('Content-Length')?.[0];
  if (contentLengthValue === undefined) return { contentLength: undefined };
  const contentLength = parseContentLength(contentLengthValue);
  if (!contentLength.ok) return { error: { kind: 'bad-content-length', detail: contentLength.error } };
  return { contentLength: contentLength.value };
}
