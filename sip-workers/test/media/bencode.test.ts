import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bdecode, bencode, BencodeError } from '../../src/media/bencode.ts';

test('an ng offer round-trips, keys sorted, lengths in bytes', () => {
  const sdp = 'v=0\r\ns=Café ☎\r\n';
  const bytes = Buffer.from(sdp, 'utf8').toString('latin1');
  const encoded = bencode({ sdp: bytes, command: 'offer', flags: ['asymmetric'], replace: [], 'delete-delay': 0 });
  assert.equal(encoded.toString('latin1'), `d7:command5:offer12:delete-delayi0e5:flagsl10:asymmetrice7:replacele3:sdp${Buffer.byteLength(sdp)}:${bytes}e`);
  const decoded = bdecode(encoded) as Record<string, unknown>;
  assert.equal(Buffer.from(decoded.sdp as string, 'latin1').toString('utf8'), sdp, 'SDP bytes survive whatever their charset');
  assert.deepEqual(decoded.flags, ['asymmetric']);
  assert.equal(decoded['delete-delay'], 0);
});

test('integers: negative, zero, and out of range refused', () => {
  assert.equal(bdecode(Buffer.from('i-42e')), -42);
  assert.equal(bdecode(Buffer.from('i0e')), 0);
  assert.throws(() => bdecode(Buffer.from('i-0e')), BencodeError);
  assert.throws(() => bdecode(Buffer.from('i03e')), BencodeError);
  assert.throws(() => bdecode(Buffer.from('i99999999999999999999e')), BencodeError);
  assert.throws(() => bencode(1.5), BencodeError);
});

test('malformed input is a BencodeError, never a crash or a hang', () => {
  for (const bad of ['', 'd', 'l', '5:abc', 'd3:keye', 'di1ei2ee', 'x', '3:abcextra', 'i12', `${'l'.repeat(100)}${'e'.repeat(100)}`]) {
    assert.throws(() => bdecode(Buffer.from(bad)), BencodeError, JSON.stringify(bad));
  }
});

test('decodes from an offset, as an ng reply after its cookie', () => {
  const reply = Buffer.from('abc123 d6:result4:ponge');
  assert.deepEqual({ ...(bdecode(reply, 7) as object) }, { result: 'pong' });
});
