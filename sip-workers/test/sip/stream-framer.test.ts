import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamFramer } from '../../src/sip/stream-framer.ts';
import type { FramerEvent } from '../../src/sip/stream-framer.ts';
import { CORPUS, INVITE, OK_200 } from './fixtures.ts';

function messages(events: FramerEvent[]): Buffer[] {
  return events.flatMap((e) => (e.kind === 'message' ? [e.data] : []));
}

test('splits back-to-back messages delivered one byte at a time', () => {
  const stream = Buffer.concat(CORPUS.map(([, data]) => data));
  const framer = new StreamFramer();
  const events: FramerEvent[] = [];
  for (let i = 0; i < stream.length; i++) events.push(...framer.push(stream.subarray(i, i + 1)));
  assert.deepEqual(messages(events), CORPUS.map(([, data]) => data));
  assert.equal(framer.bufferedBytes, 0);
});

test('CRLFCRLF is a keep-alive ping; a lone CRLF is skipped', () => {
  const framer = new StreamFramer();
  const events = framer.push(Buffer.concat([Buffer.from('\r\n\r\n'), INVITE, Buffer.from('\r\n'), OK_200]));
  assert.deepEqual(events.map((e) => e.kind), ['keepalive', 'message', 'message']);
  assert.deepEqual(framer.push(Buffer.from('\r\n')), []);
  assert.deepEqual(framer.push(Buffer.from('\r\n')).map((e) => e.kind), ['keepalive']);
});

test('missing or invalid Content-Length is a fatal framing error', () => {
  for (const head of ['OPTIONS sip:a SIP/2.0\r\nVia: x\r\n\r\n', 'OPTIONS sip:a SIP/2.0\r\nl: -1\r\n\r\n', 'OPTIONS sip:a SIP/2.0\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n']) {
    const framer = new StreamFramer();
    const events = framer.push(Buffer.from(head));
    assert.equal(events.at(-1)?.kind, 'error', head);
    assert.deepEqual(framer.push(INVITE), [], 'a failed framer stays failed');
  }
});

test('folded Content-Length is found', () => {
  const framer = new StreamFramer();
  const events = framer.push(Buffer.from('OPTIONS sip:a SIP/2.0\r\nContent-Length:\r\n 3\r\n\r\nabcX'));
  assert.equal(messages(events)[0]?.toString().endsWith('abc'), true);
  assert.equal(framer.bufferedBytes, 1);
});

test('buffer is bounded: endless headers or a huge Content-Length fail fast', () => {
  const framer = new StreamFramer({ maxMessageBytes: 1024 });
  assert.deepEqual(framer.push(Buffer.alloc(1000, 'a')), []);
  assert.equal(framer.push(Buffer.alloc(100, 'a')).at(-1)?.kind, 'error');
  const other = new StreamFramer({ maxMessageBytes: 1024 });
  assert.equal(other.push(Buffer.from('OPTIONS sip:a SIP/2.0\r\nl: 5000\r\n\r\n')).at(-1)?.kind, 'error');
});
