// Bounded, deterministic fuzzing of the receive path: seeded mutations of real messages must
// always come back as values (never an exception), and Content-Length framing must not depend
// on how a stream happens to be chunked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authHeaders } from '../../src/sip/digest.ts';
import type { SipMessage } from '../../src/sip/message.ts';
import { contacts, fromHeader, recordRoutes, routes, toHeader } from '../../src/sip/name-addr.ts';
import { parseMessage } from '../../src/sip/parser.ts';
import type { ParseResult } from '../../src/sip/parser.ts';
import { createBadRequestResponse, createResponse } from '../../src/sip/response-builder.ts';
import { callIdHeader, cseqHeader, expiresHeader, maxForwardsHeader } from '../../src/sip/scalar-headers.ts';
import { serializeMessage } from '../../src/sip/serializer.ts';
import { StreamFramer } from '../../src/sip/stream-framer.ts';
import type { FramerEvent } from '../../src/sip/stream-framer.ts';
import { allVias } from '../../src/sip/via.ts';
import { CORPUS } from './fixtures.ts';
import { int, mutate, pick, prng } from './mutations.ts';

/** Every accessor a TU might call on a parsed message must also be total. */
function exercise(message: SipMessage): void {
  allVias(message);
  fromHeader(message);
  toHeader(message);
  contacts(message);
  routes(message);
  recordRoutes(message);
  cseqHeader(message);
  callIdHeader(message);
  maxForwardsHeader(message);
  expiresHeader(message);
  authHeaders(message, 'Authorization');
  authHeaders(message, 'WWW-Authenticate');
  if (message.kind === 'request') createResponse(message, 200);
  const again = parseMessage(serializeMessage(message));
  assert.equal(typeof again.ok, 'boolean');
}

function assertValue(result: ParseResult): void {
  assert.equal(typeof result, 'object');
  if (result.ok) {
    assert.ok(result.message.kind === 'request' || result.message.kind === 'response');
    assert.ok(Buffer.isBuffer(result.message.body));
  } else {
    assert.equal(typeof result.error.kind, 'string');
    // 'internal' means parseMessage's safety net caught an exception: a parser bug, not bad input.
    assert.notEqual(result.error.kind, 'internal', result.error.detail);
    if (result.canRespond400) serializeMessage(createBadRequestResponse(result.canRespond400));
  }
}

const ITERATIONS = 20_000;

test(`fuzz: ${ITERATIONS} seeded mutations of the corpus never throw and always return a value`, () => {
  const random = prng(0x5eed);
  const started = Date.now();
  const outcomes = { ok: 0, refused: 0 };
  for (let i = 0; i < ITERATIONS; i++) {
    const [, original] = pick(random, CORPUS);
    const data = mutate(original, random);
    let result: ParseResult;
    try {
      result = parseMessage(data, { framing: random() < 0.5 ? 'datagram' : 'stream' });
      assertValue(result);
      if (result.ok) exercise(result.message);
    } catch (err) {
      assert.fail(`iteration ${i} threw on ${JSON.stringify(data.toString('latin1').slice(0, 200))}: ${String(err)}`);
    }
    outcomes[result.ok ? 'ok' : 'refused']++;
  }
  // Both branches must be exercised, or the mutations are too weak (or too strong) to mean anything.
  assert.ok(outcomes.ok > ITERATIONS / 20, `only ${outcomes.ok} mutated messages parsed`);
  assert.ok(outcomes.refused > ITERATIONS / 20, `only ${outcomes.refused} mutated messages were refused`);
  assert.ok(Date.now() - started < 10_000, `fuzzing took ${Date.now() - started} ms`);
});

function frame(stream: Buffer, chunks: number[]): FramerEvent[] {
  const framer = new StreamFramer();
  const events: FramerEvent[] = [];
  let at = 0;
  for (const size of chunks) {
    events.push(...framer.push(stream.subarray(at, at + size)));
    at += size;
  }
  if (at < stream.length) events.push(...framer.push(stream.subarray(at)));
  return events;
}

test('fuzz: random chunkings through StreamFramer yield what whole-buffer framing and parsing yield', () => {
  const random = prng(0xc0ffee);
  for (let i = 0; i < 500; i++) {
    // A stream of corpus messages, keep-alives, and now and then a mutated message that may break framing.
    const parts: Buffer[] = [];
    for (let n = 1 + int(random, 5); n > 0; n--) {
      const roll = random();
      if (roll < 0.1) parts.push(Buffer.from(pick(random, ['\r\n\r\n', '\r\n'])));
      else if (roll < 0.3) parts.push(mutate(pick(random, CORPUS)[1], random));
      else parts.push(pick(random, CORPUS)[1]);
    }
    const stream = Buffer.concat(parts);
    const whole = frame(stream, [stream.length]);
    const chunks: number[] = [];
    for (let left = stream.length; left > 0;) {
      const size = Math.min(left, 1 + int(random, random() < 0.3 ? 4 : 400));
      chunks.push(size);
      left -= size;
    }
    const chunked = frame(stream, chunks);
    assert.deepEqual(chunked, whole, `iteration ${i}`);
    // Every framed message parses exactly as the same octets parsed on their own.
    for (const event of chunked) {
      if (event.kind !== 'message') continue;
      const viaStream = parseMessage(event.data, { framing: 'stream' });
      assertValue(viaStream);
      assert.deepEqual(viaStream, parseMessage(Buffer.from(event.data), { framing: 'stream' }));
    }
  }
});

test('fuzz: unmutated corpus messages framed from one stream equal their whole-buffer parses', () => {
  const random = prng(7);
  const order = Array.from({ length: 40 }, () => pick(random, CORPUS));
  const stream = Buffer.concat(order.map(([, data]) => data));
  const chunks = Array.from({ length: stream.length }, () => 1 + int(random, 64));
  const framed = frame(stream, chunks).flatMap((e) => (e.kind === 'message' ? [e.data] : []));
  assert.equal(framed.length, order.length);
  framed.forEach((data, i) => {
    const expected = parseMessage(order[i]?.[1] ?? Buffer.alloc(0), { framing: 'stream' });
    assert.ok(expected.ok);
    assert.deepEqual(parseMessage(data, { framing: 'stream' }), expected);
  });
});
