import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trunkProbeRequest } from '../../src/calls/trunk-probes.ts';
import { headerValue } from '../../src/sip/message.ts';
import { serializeMessage } from '../../src/sip/serializer.ts';
import { formatUri } from '../../src/sip/uri.ts';
import { outboundTrunk } from '../router/outbound/outbound-trunk-builder.ts';

test('a probe is an OPTIONS to the trunk\'s host and port, with its transport, an IPv6 host bracketed', () => {
  const udp = trunkProbeRequest(outboundTrunk('gw', { host: '198.51.100.7', port: 5070 }), '10.0.0.5');
  assert.equal(formatUri(udp.uri), 'sip:198.51.100.7:5070');
  assert.equal(headerValue(udp, 'CSeq'), '1 OPTIONS');
  assert.match(headerValue(udp, 'From') ?? '', /^<sip:switchyard@10\.0\.0\.5>;tag=[0-9a-f]{8}$/);
  assert.equal(formatUri(trunkProbeRequest(outboundTrunk('gw', { host: 'sbc.example', port: 5061, transport: 'tls' }), '10.0.0.5').uri), 'sip:sbc.example:5061;transport=tls');
  const v6 = trunkProbeRequest(outboundTrunk('gw', { host: '2001:db8::7', port: 5060, transport: 'tcp' }), '10.0.0.5');
  assert.equal(formatUri(v6.uri), 'sip:[2001:db8::7]:5060;transport=tcp');
  assert.match(serializeMessage(v6).toString(), /^OPTIONS sip:\[2001:db8::7\]:5060;transport=tcp SIP\/2\.0\r\n/);
  assert.equal(headerValue(v6, 'To'), '<sip:[2001:db8::7]>');
});
