// RFC 4475 torture messages (§3.1.1 valid, §3.1.2 invalid, §3.2 transaction layer, §3.3
// application layer, §3.4 backward compatibility), stored byte-exact under torture/.
// Each entry says what this parser does with the message and why that is what the RFC asks for.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { authHeaders } from '../../src/sip/digest.ts';
import { headerValue, headerValues } from '../../src/sip/message.ts';
import type { SipMessage, SipRequest, SipResponse } from '../../src/sip/message.ts';
import { contactExpires, contacts, fromHeader, routes, toHeader } from '../../src/sip/name-addr.ts';
import type { NameAddr } from '../../src/sip/name-addr.ts';
import { parseMessage } from '../../src/sip/parser.ts';
import type { ParseErrorKind } from '../../src/sip/parser.ts';
import { createBadRequestResponse } from '../../src/sip/response-builder.ts';
import { callIdHeader, cseqHeader, maxForwardsHeader } from '../../src/sip/scalar-headers.ts';
import { serializeMessage } from '../../src/sip/serializer.ts';
import { StreamFramer } from '../../src/sip/stream-framer.ts';
import type { SipUri, Uri } from '../../src/sip/uri.ts';
import { allVias, topVia, viaBranch } from '../../src/sip/via.ts';

type Check = (message: SipMessage) => void;

type Expectation =
  /** Valid per the RFC: parsed, with the fields the RFC calls out checked. */
  | { outcome: 'parsed'; why: string; check?: Check }
  /** Invalid per the grammar, but the RFC lets a liberal receiver accept it; we do. */
  | { outcome: 'tolerated'; why: string; check?: Check }
  /** Refused: `answer` is the stateless response the transport sends, or 'drop'. */
  | { outcome: 'refused'; kind: ParseErrorKind; answer: 400 | 505 | 'drop'; why: string };

function request(message: SipMessage): SipRequest {
  assert.equal(message.kind, 'request');
  return message;
}

function sipUri(uri: Uri | undefined): SipUri {
  assert.equal(uri?.kind, 'sip');
  return uri;
}

function nameAddr(value: NameAddr | undefined): NameAddr {
  assert.ok(value, 'name-addr expected');
  return value;
}

const EXPECTATIONS: Readonly<Record<string, Expectation>> = {
  // §3.1.1 Valid messages
  wsinv: {
    outcome: 'parsed',
    why: '3.1.1.1 folding, LWS around every separator, compact and long names mixed, leading zeros',
    check: (m) => {
      const r = request(m);
      assert.equal(sipUri(r.uri).params.get('unknownparam'), null);
      assert.equal(toHeader(r)?.params.get('tag'), '1918181833n');
      assert.equal(fromHeader(r)?.displayName, 'J Rosenberg \\"');
      assert.equal(fromHeader(r)?.params.get('tag'), '98asjd8');
      assert.equal(maxForwardsHeader(r), 68);
      assert.deepEqual(cseqHeader(r), { seq: 9, method: 'INVITE' });
      assert.deepEqual(allVias(r)?.map((v) => [v.transport, v.host, viaBranch(v)]), [
        ['UDP', '192.0.2.2', '390skdjuw'],
        ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
        ['UDP', '192.168.255.111', 'z9hG4bK30239'],
      ]);
      assert.equal(headerValue(r, 'Subject'), '');
      assert.equal(headerValue(r, 'NewFangledHeader'), 'newfangled value continued newfangled value');
      assert.equal(headerValue(r, 'UnknownHeaderWithUnusualValue'), ';;,,;;,;');
      assert.equal(sipUri(routes(r)?.[0]?.uri).params.get('unknown-no-value'), null);
      const [contact] = contacts(r) ?? [];
      assert.ok(contact && !contact.star);
      assert.equal(contact.displayName, 'Quoted string ""');
      assert.equal(contact.params.get('newparam'), 'newvalue');
      assert.equal(contact.params.get('secondparam'), null);
      assert.equal(contact.params.get('q'), '0.33');
      assert.equal(r.body.length, 150);
    },
  },
  intmeth: {
    outcome: 'parsed',
    why: '3.1.1.2 every token/word character in method, URI, branch, tags, Call-ID; quoted NUL; UTF-8 values',
    check: (m) => {
      const r = request(m);
      assert.equal(r.method, "!interesting-Method0123456789_*+`.%indeed'~");
      const uri = sipUri(r.uri);
      assert.equal(uri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
      assert.equal(uri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
      assert.equal(uri.host, 'example.com');
      assert.equal(topVia(r) && viaBranch(topVia(r)!), "z9hG4bK-.!%66*_+`'~");
      assert.equal(toHeader(r)?.displayName, 'BEL:\x07 NUL:\x00 DEL:\x7f');
      const from = nameAddr(fromHeader(r));
      assert.equal(from.displayName, "token1~` token2'+_ token3*%!.-");
      assert.equal(from.params.get("fromparam''~+*_!.-%"), '"работающий"');
      assert.equal(from.params.get('tag'), "_token~1'+`*%!-.");
      assert.equal(callIdHeader(r), "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
      assert.deepEqual(cseqHeader(r), { seq: 139122385, method: r.method });
      assert.equal(headerValue(r, "extensionHeader-!.%*+_`'~"), '\ufeff大停電');
    },
  },
  esc01: {
    outcome: 'parsed',
    why: '3.1.1.3 %HEX escapes in user parts and uri-parameters are decoded once, never recursively',
    check: (m) => {
      const r = request(m);
      assert.equal(sipUri(r.uri).user, 'sips:user@example.com');
      assert.equal(sipUri(toHeader(r)?.uri).user, 'user');
      assert.equal(sipUri(fromHeader(r)?.uri).user, 'I have spaces');
      const [contact] = contacts(r) ?? [];
      assert.ok(contact && !contact.star);
      const uri = sipUri(contact.uri);
      assert.equal(uri.user, 'caller');
      assert.equal(uri.params.get('lr'), null);
      assert.equal(uri.params.get('name'), 'value%41');
    },
  },
  escnull: {
    outcome: 'parsed',
    why: '3.1.1.4 escaped NULs in user parts must not shorten them; two distinct Contacts',
    check: (m) => {
      assert.equal(sipUri(toHeader(m)?.uri).user, 'null-\0-null');
      const users = (contacts(m) ?? []).map((c) => (c.star ? '*' : sipUri(c.uri).user));
      assert.deepEqual(users, ['\0', '\0\0']);
    },
  },
  esc02: {
    outcome: 'parsed',
    why: '3.1.1.5 % is not an escape in methods, display names, branches or header names',
    check: (m) => {
      const r = request(m);
      assert.equal(r.method, 'RE%47IST%45R');
      assert.equal(toHeader(r)?.displayName, '%Z%45');
      assert.equal(topVia(r) && viaBranch(topVia(r)!), 'z9hG4bK209%fzsnel234');
      assert.equal(contacts(r)?.length, 2);
      assert.equal(headerValue(r, 'C%6Fntact'), '<sip:alias2@host2.example.com>');
    },
  },
  lwsdisp: {
    outcome: 'parsed',
    why: '3.1.1.6 no LWS between display-name token and < (a known RFC 3261 grammar bug)',
    check: (m) => assert.equal(fromHeader(m)?.displayName, 'caller'),
  },
  longreq: {
    outcome: 'parsed',
    why: '3.1.1.7 long values and 34 Via fields spelt in every case and spacing',
    check: (m) => {
      const vias = allVias(m) ?? [];
      assert.equal(vias.length, 34);
      assert.equal(vias[0]?.host, 'sip33.example.com');
      assert.equal(vias[33]?.params.get('received'), '192.0.2.5');
      const to = nameAddr(toHeader(m));
      assert.equal(sipUri(to.uri).port, 6000);
      assert.equal(sipUri(to.uri).params.size, 3);
      assert.equal(fromHeader(m)?.params.get('tag')?.length, 155);
      assert.equal(m.body.length, 150);
    },
  },
  dblreq: {
    outcome: 'parsed',
    why: '3.1.1.8 octets after Content-Length in a datagram are noise (§18.3), not a second request',
    check: (m) => {
      assert.equal(request(m).method, 'REGISTER');
      assert.equal(m.body.length, 0);
    },
  },
  semiuri: {
    outcome: 'parsed',
    why: '3.1.1.9 ";par=" inside the user part belongs to the user, not to uri-parameters',
    check: (m) => {
      const uri = sipUri(request(m).uri);
      assert.equal(uri.user, 'user;par=u@example.net');
      assert.equal(uri.params.size, 0);
      assert.equal(headerValues(m, 'Accept').length, 6);
    },
  },
  transports: {
    outcome: 'parsed',
    why: '3.1.1.10 every transport token, including an unknown one',
    check: (m) => assert.deepEqual(allVias(m)?.map((v) => v.transport), ['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']),
  },
  mpart01: {
    outcome: 'parsed',
    why: '3.1.1.11 multipart body with binary octets (NUL, CR, LF) framed by Content-Length alone',
    check: (m) => {
      assert.equal(m.body.length, Number(headerValue(m, 'Content-Length')));
      assert.ok(m.body.includes(0));
      assert.ok(m.body.subarray(-24).toString('latin1').endsWith('--7a9cbec02ceef655--\r\n'));
    },
  },
  unreason: {
    outcome: 'parsed',
    why: '3.1.1.12 Reason-Phrase with UTF-8 and reserved characters',
    check: (m) => {
      assert.equal(m.kind, 'response');
      const r = m;
      assert.equal(r.status, 200);
      assert.equal(r.reason, '= 2**3 * 5**2 но сто девяносто девять - простое');
    },
  },
  noreason: {
    outcome: 'parsed',
    why: '3.1.1.13 empty Reason-Phrase after the mandatory SP',
    check: (m) => {
      const r = m as SipResponse;
      assert.equal(r.status, 100);
      assert.equal(r.reason, '');
    },
  },

  // §3.1.2 Invalid messages
  badinv01: { outcome: 'refused', kind: 'bad-header-value', answer: 400, why: '3.1.2.1 empty Via parameters and list elements: 400' },
  clerr: { outcome: 'refused', kind: 'body-length-mismatch', answer: 400, why: '3.1.2.2 Content-Length larger than the datagram: 400' },
  ncl: { outcome: 'refused', kind: 'bad-content-length', answer: 400, why: '3.1.2.3 negative Content-Length: error response' },
  scalar02: { outcome: 'refused', kind: 'bad-header-value', answer: 400, why: '3.1.2.4 CSeq number over 2**32-1: 400' },
  scalarlg: { outcome: 'refused', kind: 'bad-header-value', answer: 'drop', why: '3.1.2.5 response with out-of-range CSeq is discarded' },
  quotbal: { outcome: 'refused', kind: 'bad-header-value', answer: 400, why: '3.1.2.6 unterminated quoted display name: 400 (no guessing)' },
  ltgtruri: { outcome: 'refused', kind: 'bad-request-uri', answer: 400, why: '3.1.2.7 Request-URI in <>: 400' },
  lwsruri: { outcome: 'refused', kind: 'bad-start-line', answer: 400, why: '3.1.2.8 LWS inside the Request-URI: 400' },
  lwsstart: {
    outcome: 'tolerated',
    why: '3.1.2.9 extra SP in the Request-Line: liberal receivers may ignore it',
    check: (m) => assert.equal(request(m).method, 'INVITE'),
  },
  trws: {
    outcome: 'tolerated',
    why: '3.1.2.10 trailing SP after SIP-Version: liberal receivers may ignore it',
    check: (m) => assert.equal(request(m).version, 'SIP/2.0'),
  },
  escruri: { outcome: 'refused', kind: 'bad-request-uri', answer: 400, why: '3.1.2.11 escaped headers in the Request-URI: 400' },
  baddate: {
    outcome: 'tolerated',
    why: '3.1.2.12 non-GMT Date: only worth rejecting if the Date matters, and to us it does not',
    check: (m) => assert.equal(headerValue(m, 'Date'), 'Fri, 01 Jan 2010 16:00:00 EST'),
  },
  regbadct: { outcome: 'refused', kind: 'bad-header-value', answer: 400, why: '3.1.2.13 addr-spec Contact with "?" must use <>: 400' },
  badaspec: {
    outcome: 'tolerated',
    why: '3.1.2.14 spaces just inside <>: liberal receivers may ignore them',
    check: (m) => assert.equal(sipUri(toHeader(m)?.uri).user, 't.watson'),
  },
  baddn: { outcome: 'refused', kind: 'bad-header-value', answer: 400, why: '3.1.2.15 unquoted display name with a comma: 400' },
  badvers: { outcome: 'refused', kind: 'bad-version', answer: 505, why: '3.1.2.16 SIP/7.0: 505 Version Not Supported' },
  mismatch01: { outcome: 'refused', kind: 'cseq-mismatch', answer: 400, why: '3.1.2.17 CSeq method differs from the Request-Line: 400' },
  mismatch02: { outcome: 'refused', kind: 'cseq-mismatch', answer: 400, why: '3.1.2.18 unknown method with mismatched CSeq: 400 (501 preferred, 400 allowed)' },
  bigcode: { outcome: 'refused', kind: 'bad-start-line', answer: 'drop', why: '3.1.2.19 status code over 699: the response is dropped' },

  // §3.2 Transaction layer
  badbranch: {
    outcome: 'parsed',
    why: '3.2.1 branch is only the magic cookie: the parser must not break; the transaction layer decides',
    check: (m) => assert.equal(topVia(m) && viaBranch(topVia(m)!), 'z9hG4bK'),
  },

  // §3.3 Application layer
  insuf: { outcome: 'refused', kind: 'missing-header', answer: 'drop', why: '3.3.1 no From/To/Call-ID: a 400 could not carry them, so it is dropped' },
  unkscm: {
    outcome: 'parsed',
    why: '3.3.2 unknown Request-URI scheme is opaque; the TU answers 416',
    check: (m) => assert.deepEqual(request(m).uri, { kind: 'other', scheme: 'nobodyknowsthisscheme', opaque: 'totallyopaquecontent' }),
  },
  novelsc: {
    outcome: 'parsed',
    why: '3.3.3 novel scheme with "//" authority is opaque; the TU answers 416',
    check: (m) => assert.equal(request(m).uri.kind, 'other'),
  },
  unksm2: {
    outcome: 'parsed',
    why: '3.3.4 unknown schemes in To, From and Contact are kept opaque',
    check: (m) => {
      assert.equal(toHeader(m)?.uri.kind, 'other');
      assert.equal(fromHeader(m)?.uri.kind, 'other');
    },
  },
  bext01: {
    outcome: 'parsed',
    why: '3.3.5 unknown Require/Proxy-Require: parsed; the TU answers 420 with Unsupported',
    check: (m) => assert.deepEqual(headerValues(m, 'Require'), ['nothingSupportsThis', 'nothingSupportsThisEither']),
  },
  invut: {
    outcome: 'parsed',
    why: '3.3.6 unknown body type: parsed; the TU answers 415',
    check: (m) => assert.equal(m.body.length, 40),
  },
  regaut01: {
    outcome: 'parsed',
    why: '3.3.7 unknown Authorization scheme is kept so the TU can challenge again',
    check: (m) => assert.equal(authHeaders(m, 'Authorization')[0]?.scheme, 'NoOneKnowsThisScheme'),
  },
  multi01: { outcome: 'refused', kind: 'duplicate-header', answer: 400, why: '3.3.8 several CSeq/Call-ID/To/From/Max-Forwards: 400' },
  mcl01: { outcome: 'refused', kind: 'duplicate-header', answer: 400, why: '3.3.9 two Content-Length values: 400' },
  bcast: {
    outcome: 'parsed',
    why: '3.3.10 a broadcast sent-by is syntactically fine; only a proxy forwarding it would be in danger',
    check: (m) => assert.equal(allVias(m)?.[1]?.host, '255.255.255.255'),
  },
  zeromf: {
    outcome: 'parsed',
    why: '3.3.11 Max-Forwards 0 is valid; a proxy answers 483, a UAS handles OPTIONS',
    check: (m) => assert.equal(maxForwardsHeader(m), 0),
  },
  cparam01: {
    outcome: 'parsed',
    why: '3.3.12 in an addr-spec Contact ";unknownparam" is a contact parameter',
    check: (m) => {
      const [c] = contacts(m) ?? [];
      assert.ok(c && !c.star);
      assert.equal(c.params.get('unknownparam'), null);
      assert.equal(sipUri(c.uri).params.size, 0);
    },
  },
  cparam02: {
    outcome: 'parsed',
    why: '3.3.13 inside <> ";unknownparam" is a uri-parameter',
    check: (m) => {
      const [c] = contacts(m) ?? [];
      assert.ok(c && !c.star);
      assert.equal(c.params.size, 0);
      assert.equal(sipUri(c.uri).params.get('unknownparam'), null);
      assert.equal(contactExpires(c), undefined);
    },
  },
  regescrt: {
    outcome: 'parsed',
    why: '3.3.14 escaped Route in a Contact URI is syntactically valid; a registrar refuses it',
    check: (m) => {
      const [c] = contacts(m) ?? [];
      assert.ok(c && !c.star);
      assert.deepEqual(sipUri(c.uri).headers, [['Route', '<sip:sip.example.com>']]);
    },
  },
  sdp01: {
    outcome: 'parsed',
    why: '3.3.15 Accept does not include the offered type: the TU answers 406',
    check: (m) => assert.equal(headerValue(m, 'Accept'), 'text/nobodyKnowsThis'),
  },

  // §3.4 Backward compatibility
  inv2543: {
    outcome: 'parsed',
    why: '3.4.1 RFC 2543 INVITE: no branch, no From tag, no Max-Forwards, body to the end of the datagram',
    check: (m) => {
      assert.equal(topVia(m) && viaBranch(topVia(m)!), undefined);
      assert.equal(fromHeader(m)?.params.has('tag'), false);
      assert.equal(m.body.toString().split('\r\n')[0], 'v=0');
    },
  },
};

function withoutContentLength(message: SipMessage): SipMessage {
  return { ...message, headers: message.headers.filter((h) => h.name !== 'Content-Length') };
}

const TORTURE_DIR = new URL('./torture/', import.meta.url);

function load(name: string): Buffer {
  return readFileSync(new URL(`${name}.dat`, TORTURE_DIR));
}

for (const [name, expectation] of Object.entries(EXPECTATIONS)) {
  test(`RFC 4475 ${name}: ${expectation.outcome} (${expectation.why})`, () => {
    const data = load(name);
    const result = parseMessage(data);
    if (expectation.outcome === 'refused') {
      assert.equal(result.ok, false, `${name} should be refused`);
      if (result.ok) return;
      assert.equal(result.error.kind, expectation.kind, result.error.detail);
      if (expectation.answer === 'drop') {
        assert.equal(result.canRespond400, undefined);
      } else {
        assert.equal(result.canRespond400?.status, expectation.answer);
        // §8.2.6.2: the answer copies Via/From/To/Call-ID/CSeq as received, broken or not, so the
        // client can match it; the transport routes it by the packet's source, not by the Via.
        const answer = createBadRequestResponse(result.canRespond400);
        const wire = serializeMessage(answer).toString('latin1');
        assert.ok(wire.startsWith(`SIP/2.0 ${expectation.answer} `), wire.slice(0, 40));
        assert.deepEqual(headerValues(answer, 'Via'), result.canRespond400.headers.filter((h) => h.name === 'Via').map((h) => h.value));
      }
      return;
    }
    assert.ok(result.ok, result.ok ? '' : `${result.error.kind}: ${result.error.detail}`);
    expectation.check?.(result.message);
    // What we accept we must be able to send on, and read back the same.
    const again = parseMessage(serializeMessage(result.message));
    assert.ok(again.ok, again.ok ? '' : `re-serialised ${name}: ${again.error.kind}: ${again.error.detail}`);
    // Content-Length is recomputed and written last by design; everything else survives as is.
    assert.deepEqual(withoutContentLength(again.message), withoutContentLength(result.message));
  });
}

test('RFC 4475: every corpus file has an expectation, and none of them breaks the stream framer', () => {
  const files = new Set(readdirSync(TORTURE_DIR).filter((f) => f.endsWith('.dat')).map((f) => f.slice(0, -4)));
  assert.deepEqual([...files].sort(), Object.keys(EXPECTATIONS).sort());
  for (const name of files) {
    const data = load(name);
    // Over a stream the framer either yields messages or a framing error; parsing what it yields never throws.
    const framer = new StreamFramer();
    for (let i = 0; i < data.length; i += 7) {
      for (const event of framer.push(data.subarray(i, i + 7))) {
        if (event.kind === 'message') assert.equal(typeof parseMessage(event.data, { framing: 'stream' }).ok, 'boolean');
      }
    }
  }
});
