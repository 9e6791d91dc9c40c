import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseMessage } from '../../src/sip/parser.ts';
import { detachedString, retainedRequest } from '../../src/sip/retained-request.ts';
import { formatUri } from '../../src/sip/uri.ts';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const INVITE = [
  'INVITE sip:+85523900100@127.0.0.1:5060;user=phone SIP/2.0',
  'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-retained-1;rport',
  'Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK-retained-0',
  'Max-Forwards: 70',
  'From: "Caller" <sip:+85512345678@10.0.0.1>;tag=abc',
  'To: <sip:+85523900100@127.0.0.1>',
  'Call-ID: retained-1@10.0.0.1',
  'CSeq: 1 INVITE',
  'Contact: <sip:caller@10.0.0.1:5060>',
  'X-Account: 42',
  'Content-Type: application/sdp',
  'Content-Length: 4',
  '',
  'v=0\n',
].join('\r\n');

test('a retained request keeps the Request-URI and the headers that build a response or ACK, and no body', () => {
  const parsed = parseMessage(Buffer.from(INVITE));
  assert.ok(parsed.ok && parsed.message.kind === 'request');
  const retained = retainedRequest(parsed.message);
  assert.equal(retained.method, 'INVITE');
  assert.equal(formatUri(retained.uri), 'sip:+85523900100@127.0.0.1:5060;user=phone');
  assert.deepEqual(retained.headers, parsed.message.headers.filter((h) => ['Via', 'From', 'To', 'Call-ID', 'CSeq'].includes(h.name)));
  assert.equal(retained.body.length, 0);
  assert.equal(parsed.message.body.length, 4, 'the original is untouched');
});

test('a detached string keeps its value but not the text it was sliced from', () => {
  const heapWith = (detach: (slice: string) => string): number => {
    const kept: string[] = [];
    for (let i = 0; i < 20; i++) {
      const datagram = `${'x'.repeat(1_000_000)}Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-${i}`;
      kept.push(detach(datagram.slice(1_000_000)));
    }
    collectGarbage();
    const used = process.memoryUsage().heapUsed;
    assert.ok(kept.every((value, i) => value === `Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-${i}`));
    return used;
  };
  const slicesOnly = heapWith((slice) => slice);
  const detached = heapWith(detachedString);
  // Twenty slices pin twenty 1 MB texts; twenty detached copies pin nothing but themselves.
  assert.ok(slicesOnly - detached > 10_000_000, `slices ${slicesOnly} vs detached ${detached} bytes of heap`);
});
