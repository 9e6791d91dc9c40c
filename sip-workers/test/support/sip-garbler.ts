// Mutations that keep a SIP message parseable and inside its transaction (Via, Call-ID and CSeq
// stay intact) but garble what the dialog and the B2BUA read: tags, Contact, Record-Route, RSeq,
// Require, bodies, status codes. Byte-level mutation (sip/mutations.ts) mostly makes messages the
// parser or the Via check drops before any of that code runs; these reach it.
import { int, mutate, pick, type Random } from '../sip/mutations.ts';
import { wire, type SipLines } from './sip-text.ts';

/** Headers that pin a message to its transaction: garbling them only makes it unmatched. */
const KEPT = /^(via|v|call-id|i|cseq):/i;

const VALUES = [
  '', ' ', '<>', '<sip:>', '<sip:@:0>', '*', 'garbage', '9999999999999999999', '-1', '0', '4294967296',
  '<sip:a@127.0.0.1;lr', '<sip:a@[::1>', ';;;;', 'x'.repeat(3000), '<sip:callee@127.0.0.1:1>', '<sips:callee@127.0.0.1:1>',
  '<sip:callee@127.0.0.1:1;transport=tcp>', '<tel:+85512345678>', '"\\"" <sip:a@127.0.0.1>', 'sip:a@127.0.0.1;tag=', '<sip:a@127.0.0.1>;tag=;tag=2',
];

const EXTRA_HEADERS = [
  'Require: 100rel', 'Require: 100rel, timer', 'Require: frobnicate', 'RSeq: 0', 'RSeq: 1', 'RSeq: 4294967296', 'RSeq: -3',
  'Record-Route: <sip:127.0.0.1:1;lr>', 'Record-Route: garbage', 'Record-Route: <sip:127.0.0.1:1>', 'Contact: *', 'Contact: <sip:callee@127.0.0.1:1>',
  'Content-Type: multipart/mixed;boundary=x', 'Content-Type: application/sdp', 'Content-Type: text/plain', 'Session-Expires: 1', 'Session-Expires: 90;refresher=uas',
  'Session-Expires: 1800;refresher=uac', 'Min-SE: 999999', 'Retry-After: 99999999', 'Retry-After: -5', 'Unsupported: 100rel', 'Allow: garbage',
  'Supported: 100rel', 'Content-Encoding: gzip', 'Max-Forwards: 0', 'RAck: 1 1 INVITE', 'Event: refer', 'Refer-To: <sip:other@127.0.0.1:1>',
  'Subscription-State: terminated', 'Reason: SIP;cause=200;text="x"', 'WWW-Authenticate: Digest realm="r", nonce="n"', 'Proxy-Authenticate: Digest',
];

const STATUSES = [100, 101, 180, 181, 182, 183, 199, 200, 202, 299, 300, 302, 380, 400, 401, 407, 408, 420, 422, 480, 481, 486, 487, 488, 491, 500, 503, 504, 600, 603, 606, 699];

const BODIES = ['', 'v=0\r\n', 'garbage', 'v=0\r\nc=IN IP4 999.1.1.1\r\nm=audio 70000 RTP/AVP 0\r\n', 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nm=audio 4000 RTP/AVP\r\n', 'x'.repeat(20_000)];

type LineMutation = (lines: SipLines, random: Random) => void;

const headerAt = (lines: SipLines, random: Random): number | undefined => {
  const candidates = lines.flatMap((line, index) => (index > 0 && !KEPT.test(line) ? [index] : []));
  return candidates.length === 0 ? undefined : pick(random, candidates);
};

const LINE_MUTATIONS: readonly LineMutation[] = [
  (lines, random) => {
    const at = headerAt(lines, random);
    if (at !== undefined) lines[at] = `${(lines[at] ?? '').split(':', 1)[0]}: ${pick(random, VALUES)}`;
  },
  (lines, random) => {
    const at = headerAt(lines, random);
    if (at !== undefined) lines.splice(at, 1);
  },
  (lines, random) => {
    const at = headerAt(lines, random);
    if (at !== undefined) lines.splice(at, 0, lines[at] ?? '');
  },
  (lines, random) => lines.splice(1 + int(random, lines.length), 0, pick(random, EXTRA_HEADERS)),
  (lines, random) => {
    // A tag dropped or changed: an unknown fork, or a request outside any dialog.
    const at = lines.findIndex((line) => /^(to|t|from|f):/i.test(line) && /;tag=/i.test(line));
    if (at > 0) lines[at] = (lines[at] ?? '').replace(/;tag=[^;]*/i, random() < 0.5 ? '' : `;tag=${int(random, 1000)}`);
  },
  (lines, random) => {
    if (lines[0]?.startsWith('SIP/2.0 ')) lines[0] = `SIP/2.0 ${pick(random, STATUSES)} Garbled`;
  },
];

export interface GarbleOdds {
  /** Of messages, the share given 1–3 line mutations. */
  lines: number;
  /** Of messages, the share given byte mutations after any line mutations. */
  bytes: number;
}

/** The message as `wire` would send it, garbled by these odds; the body may be swapped too. */
export function garbled(lines: SipLines, body: string, random: Random, odds: GarbleOdds): Buffer {
  const out = [...lines];
  let text = body;
  if (random() < odds.lines) {
    for (let rounds = 1 + int(random, 3); rounds > 0; rounds--) pick(random, LINE_MUTATIONS)(out, random);
    if (random() < 0.2) text = pick(random, BODIES);
  }
  const data = wire(out, text);
  return random() < odds.bytes ? mutate(data, random) : data;
}
