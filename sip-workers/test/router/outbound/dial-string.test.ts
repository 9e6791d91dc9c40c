import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OutboundTrunkRoute } from '../../../../api/routing/schema.ts';
import { dialStringUser, trunkRequestUri } from '../../../src/router/outbound/dial-string.ts';
import { formatUri } from '../../../src/sip/uri.ts';
import { outboundTrunk } from './outbound-trunk-builder.ts';

const cambodia = { callingCode: '855' };
type DialString = OutboundTrunkRoute['dialString'];
const plain: DialString = { plusPrefix: false, prefix: '', nationalDialing: false, nationalPrefix: '0' };

test('the user part follows the trunk\'s dial string', () => {
  const cases: Array<[string, Partial<DialString>, string | undefined]> = [
    ['+85512345678', {}, '85512345678'],
    ['+85512345678', { plusPrefix: true }, '+85512345678'],
    ['+85512345678', { prefix: '1010' }, '101085512345678'],
    ['+85512345678', { prefix: '*7#', plusPrefix: true }, '*7#+85512345678'],
    ['+85512345678', { nationalDialing: true }, '012345678'],
    ['+85512345678', { nationalDialing: true, plusPrefix: true }, '012345678'],
    ['+85512345678', { nationalDialing: true, nationalPrefix: '' }, '12345678'],
    ['+85512345678', { nationalDialing: true, prefix: '55' }, '55012345678'],
    ['+66812345678', { nationalDialing: true }, '66812345678'],
    ['+66812345678', { nationalDialing: true, plusPrefix: true }, '+66812345678'],
    ['1294', { plusPrefix: true, nationalDialing: true }, '1294'],
    ['1294', { prefix: '9' }, '91294'],
    ['not a number', {}, undefined],
    ['+1234567890123456', {}, undefined],
  ];
  for (const [number, dialString, expected] of cases) {
    assert.equal(dialStringUser(number, { ...plain, ...dialString }, cambodia.callingCode), expected, `${number} ${JSON.stringify(dialString)}`);
  }
});

test('the Request-URI carries host, port and transport of the trunk', () => {
  const cases: Array<[Partial<OutboundTrunkRoute>, string]> = [
    [{ host: 'sbc.carrier.example' }, 'sip:85512345678@sbc.carrier.example:5060'],
    [{ host: '203.0.113.10', port: 5080, transport: 'tcp' }, 'sip:85512345678@203.0.113.10:5080;transport=tcp'],
    [{ host: '2001:db8::10', port: 5062 }, 'sip:85512345678@[2001:db8::10]:5062'],
    [{ host: 'sbc.carrier.example', dialString: { ...plain, plusPrefix: true } }, 'sip:+85512345678@sbc.carrier.example:5060'],
  ];
  for (const [overrides, expected] of cases) {
    const result = trunkRequestUri('+85512345678', outboundTrunk('t', overrides), cambodia);
    assert.ok(result.ok, result.ok ? '' : result.reason);
    assert.equal(formatUri(result.uri), expected);
  }
});

test('a TLS trunk\'s Request-URI says transport=tls; a number that is not one gives a reason instead of a URI', () => {
  const tls = trunkRequestUri('+85512345678', outboundTrunk('secure', { transport: 'tls', port: 5061 }), cambodia);
  assert.ok(tls.ok);
  if (tls.ok) assert.match(formatUri(tls.uri), /^sip:\+?\d+@[^;]+:5061;transport=tls$/);
  const bad = trunkRequestUri('alice', outboundTrunk('t'), cambodia);
  assert.equal(bad.ok, false);
});

test('a trunk without a port: the Request-URI names none, so the servers DNS SRV located take the trunk\'s own name', () => {
  const { port: _located, ...portless } = outboundTrunk('pooled', { host: 'pool.carrier.example' });
  const result = trunkRequestUri('+85512345678', portless, cambodia);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  assert.equal(formatUri(result.uri), 'sip:85512345678@pool.carrier.example');
});
