// The STUN keep-alive server on the SIP UDP port (RFC 5626 §8): RFC 5769's test vectors for the
// address encoding and the FINGERPRINT, what is answered and what is not, and mutations.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import { answerStun, isStunMessage } from '../../src/sip/stun.ts';
import { int, prng } from './mutations.ts';
import { hex, rfc5769Request, transactionId } from './stun-fixtures.ts';

/** A Binding request with `attributes` (hex), and a FINGERPRINT computed by hand when asked. */
function bindingRequest(attributes = '', type = '0001'): Buffer {
  const body = hex(attributes);
  return Buffer.concat([hex(`${type} ${body.length.toString(16).padStart(4, '0')} 2112a442 ${transactionId}`), body]);
}

test('a datagram is STUN when its first two bits are 0, the magic cookie is in place and the length fits; SIP never is', () => {
  assert.ok(isStunMessage(rfc5769Request));
  assert.ok(isStunMessage(bindingRequest()));
  assert.equal(isStunMessage(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\n\r\n')), false);
  assert.equal(isStunMessage(Buffer.from('\r\n\r\n')), false);
  assert.equal(isStunMessage(rfc5769Request.subarray(0, rfc5769Request.length - 4)), false, 'a length that does not match the datagram');
  const badCookie = Buffer.from(bindingRequest());
  badCookie[4] = 0x22;
  assert.equal(isStunMessage(badCookie), false);
});

test('a Binding request is answered with the source in XOR-MAPPED-ADDRESS, as RFC 5769\'s IPv4 and IPv6 vectors encode it', () => {
  const v4 = answerStun(bindingRequest(), { address: '192.0.2.1', port: 32853 });
  assert.equal(v4.kind, 'binding-response');
  if (v4.kind !== 'binding-response') return;
  assert.deepEqual(v4.response, hex(`0101 000c 2112a442 ${transactionId} 0020 0008 0001 a147 e112a643`));
  const v6 = answerStun(bindingRequest(), { address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 });
  assert.ok(v6.kind === 'binding-response');
  assert.deepEqual(v6.response.subarray(20), hex('0020 0014 0002 a147 0113a9fa a5d3f179 bc25f4b5 bed2b9d9'));
  const compressed = answerStun(bindingRequest(), { address: '2001:db8::1', port: 5060 });
  const full = answerStun(bindingRequest(), { address: '2001:0db8:0:0:0:0:0:1', port: 5060 });
  assert.ok(compressed.kind === 'binding-response' && full.kind === 'binding-response');
  assert.deepEqual(compressed.response, full.response);
});

test('RFC 5769\'s sample request passes its FINGERPRINT check and gets 420 naming its comprehension-required attributes, with a FINGERPRINT of its own', () => {
  const answer = answerStun(rfc5769Request, { address: '192.0.2.1', port: 32853 });
  assert.equal(answer.kind, 'error-response');
  if (answer.kind !== 'error-response') return;
  assert.equal(answer.status, 420);
  const { response } = answer;
  assert.equal(response.readUInt16BE(0), 0x0111, 'Binding error response');
  assert.equal(response.subarray(8, 20).toString('hex'), transactionId);
  assert.ok(response.includes(hex('0009 0015 0000 0414')), 'ERROR-CODE 420');
  assert.ok(response.includes(hex('000a 0006 0024 0006 0008')), 'UNKNOWN-ATTRIBUTES: PRIORITY, USERNAME, MESSAGE-INTEGRITY');
  // RFC 5389 §15.5: CRC-32 of everything before the attribute, XOR 0x5354554e.
  assert.equal(response.readUInt16BE(response.length - 8), 0x8028);
  assert.equal(response.readUInt32BE(response.length - 4), (crc32(response.subarray(0, response.length - 8)) ^ 0x5354554e) >>> 0);
});

test('a FINGERPRINT that does not match, one that is not last, an attribute running past the end, an indication and a response are not answered; another method gets 400', () => {
  const corrupt = Buffer.from(rfc5769Request);
  corrupt[30] = (corrupt[30] ?? 0) ^ 1;
  assert.deepEqual(answerStun(corrupt, { address: '192.0.2.1', port: 1 }), { kind: 'ignored', reason: 'FINGERPRINT does not match' });
  assert.equal(answerStun(bindingRequest('8028 0004 00000000 8022 0004 61626364'), { address: '192.0.2.1', port: 1 }).kind, 'ignored');
  assert.equal(answerStun(bindingRequest('8022 0010 61626364'), { address: '192.0.2.1', port: 1 }).kind, 'ignored');
  assert.deepEqual(answerStun(bindingRequest('', '0011'), { address: '192.0.2.1', port: 1 }), { kind: 'ignored', reason: 'not a request' });
  assert.deepEqual(answerStun(bindingRequest('', '0101'), { address: '192.0.2.1', port: 1 }), { kind: 'ignored', reason: 'not a request' });
  const allocate = answerStun(bindingRequest('', '0003'), { address: '192.0.2.1', port: 1 });
  assert.ok(allocate.kind === 'error-response' && allocate.status === 400);
  assert.equal(allocate.response.readUInt16BE(0), 0x0113, 'an Allocate error response');
});

test('a comprehension-optional attribute (SOFTWARE) is ignored and the request answered', () => {
  const answer = answerStun(bindingRequest('8022 0005 70686f6e 65000000'), { address: '203.0.113.7', port: 41000 });
  assert.equal(answer.kind, 'binding-response');
});

test('5000 mutations of STUN requests: none throws, every answer is itself well-formed STUN for the same transaction', () => {
  const random = prng(5626);
  const seeds = [rfc5769Request, bindingRequest(), bindingRequest('8022 0005 70686f6e 65000000')];
  for (let n = 0; n < 5000; n++) {
    const data = Buffer.from(seeds[n % seeds.length] ?? rfc5769Request);
    for (let flips = 1 + int(random, 3); flips > 0; flips--) data[int(random, data.length)] = int(random, 256);
    const cut = random() < 0.2 ? data.subarray(0, int(random, data.length)) : data;
    if (!isStunMessage(cut)) continue;
    const answer = answerStun(cut, { address: '198.51.100.1', port: 5060 });
    if (answer.kind === 'ignored') continue;
    assert.ok(isStunMessage(answer.response), `answer to mutation ${n} is STUN`);
    assert.deepEqual(answer.response.subarray(8, 20), cut.subarray(8, 20));
  }
});
