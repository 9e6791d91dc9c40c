// The relay's decisions on messages as they arrive: which requests carry a flow token that is
// ours and genuine, where each goes, what it looks like when it leaves, and which responses are
// answers to what it relayed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { FlowTokens, looksLikeFlowToken } from '../../src/flow-relay/flow-token.ts';
import { relayRequest, relayResponse } from '../../src/flow-relay/relay-decision.ts';
import type { RelaySelf } from '../../src/flow-relay/relay-decision.ts';
import { headerValues } from '../../src/sip/message.ts';
import type { SipRequest, SipResponse } from '../../src/sip/message.ts';
import { parseMessage } from '../../src/sip/parser.ts';
import { mutate, prng } from '../sip/mutations.ts';
import type { MessageSource } from '../../src/sip/transport.ts';

const tokens = new FlowTokens(randomBytes(32));
const phoneFlow = { transport: 'tls' as const, address: '203.0.113.7', port: 40_001 };
const self: RelaySelf = { isOwnAddress: (host, port) => host === '10.0.0.5' && (port === 5060 || port === 5061), sentByFor: (t) => `10.0.0.5:${t === 'tls' ? 5061 : 5060}` };
const otherReplica: MessageSource = { address: '10.0.0.6', port: 5060, transport: 'udp' };
/** The token the other replica puts in its Route: the phone's flow, and itself as the peer. */
const relayed = { flow: phoneFlow, peer: '10.0.0.6:5060' };
const overTheFlow: MessageSource = { ...phoneFlow };

function message<T extends SipRequest | SipResponse>(lines: string[]): T {
  const parsed = parseMessage(Buffer.from(`${lines.join('\r\n')}\r\n\r\n`));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  return parsed.message as T;
}

const invite = (route: string, extra: string[] = []) => message<SipRequest>([
  'INVITE sip:agent@192.168.1.7:5061;transport=tls SIP/2.0',
  'Via: SIP/2.0/UDP 10.0.0.6:5060;branch=z9hG4bKcaller1;rport',
  `Route: ${route}`,
  'Max-Forwards: 70',
  'From: <sip:+85510@10.0.0.6>;tag=b2bua',
  'To: <sip:agent@kampot.example>',
  'Call-ID: relay-1',
  'CSeq: 1 INVITE',
  'Contact: <sip:switchyard@10.0.0.6:5060>',
  ...extra,
  'Content-Length: 0',
]);

test('a flow token is read back only with the key that minted it, and unchanged', () => {
  const token = tokens.mint(relayed);
  assert.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'only characters a SIP URI user part takes unescaped');
  assert.deepEqual(tokens.read(token), relayed);
  assert.equal(new FlowTokens(randomBytes(32)).read(token), undefined, 'another carrier\'s key');
  const [payload, mac] = token.split('.');
  const forged = Buffer.from('tls|203.0.113.7|40001|198.51.100.66:5060').toString('base64url');
  assert.equal(tokens.read(`${forged}.${mac}`), undefined, 'another peer under the same MAC');
  assert.equal(tokens.read(`${payload}.`), undefined);
  assert.equal(tokens.read('agent'), undefined, 'an ordinary user part');
  assert.ok(looksLikeFlowToken(token));
  assert.equal(looksLikeFlowToken('switchyard'), false);
});

test('towards the phone: over its flow only, our Routes gone, Max-Forwards down one, our Via on top and a Record-Route facing each side', () => {
  const token = tokens.mint(relayed);
  const decision = relayRequest(invite(`<sip:${token}@10.0.0.5:5060;lr>`, ['Route: <sip:next@192.0.2.1;lr>']), otherReplica, self, tokens);
  assert.equal(decision.kind, 'forward');
  if (decision.kind !== 'forward') return;
  assert.deepEqual(decision.destination, { ...phoneFlow, flowOnly: true });
  assert.equal(decision.towardsFlow, true);
  assert.deepEqual(headerValues(decision.request, 'Route'), ['<sip:next@192.0.2.1;lr>']);
  assert.deepEqual(headerValues(decision.request, 'Max-Forwards'), ['69']);
  const vias = headerValues(decision.request, 'Via');
  assert.match(vias[0] ?? '', /^SIP\/2\.0\/TLS 10\.0\.0\.5:5061;branch=z9hG4bKrelay[0-9a-f]{20};rport$/);
  assert.equal(vias[1], 'SIP/2.0/UDP 10.0.0.6:5060;branch=z9hG4bKcaller1;rport');
  assert.deepEqual(headerValues(decision.request, 'Record-Route'), [`<sip:${token}@10.0.0.5:5061;transport=tls;lr>`, `<sip:${token}@10.0.0.5:5060;lr>`]);
});

test('from the phone, through both of our Record-Routes: to the replica that placed the call, not back into the flow, and not record-routed again', () => {
  const token = tokens.mint(relayed);
  const bye = message<SipRequest>([
    'BYE sip:switchyard@10.0.0.6:5060 SIP/2.0',
    'Via: SIP/2.0/TLS 192.168.1.7:5061;branch=z9hG4bKphone1;rport',
    `Route: <sip:${token}@10.0.0.5:5061;transport=tls;lr>`,
    `Route: <sip:${token}@10.0.0.5:5060;lr>`,
    'Max-Forwards: 70', 'From: <sip:agent@kampot.example>;tag=phone', 'To: <sip:+85510@10.0.0.6>;tag=b2bua', 'Call-ID: relay-1', 'CSeq: 1 BYE', 'Content-Length: 0',
  ]);
  const decision = relayRequest(bye, overTheFlow, self, tokens);
  assert.equal(decision.kind, 'forward');
  if (decision.kind !== 'forward') return;
  assert.deepEqual(decision.destination, { address: '10.0.0.6', port: 5060, transport: 'udp' });
  assert.equal(decision.towardsFlow, false);
  assert.deepEqual(headerValues(decision.request, 'Route'), []);
  assert.deepEqual(headerValues(decision.request, 'Record-Route'), []);
  assert.match(headerValues(decision.request, 'Via')[0] ?? '', /^SIP\/2\.0\/UDP 10\.0\.0\.5:5060;branch=z9hG4bKrelay/);
});

test('a CANCEL and a retransmission get the INVITE\'s branch (a stateless proxy\'s, §16.11); another request another', () => {
  const token = tokens.mint(relayed);
  const route = `<sip:${token}@10.0.0.5:5060;lr>`;
  const branchOf = (request: SipRequest) => {
    const decision = relayRequest(request, otherReplica, self, tokens);
    return decision.kind === 'forward' ? headerValues(decision.request, 'Via')[0] : undefined;
  };
  const cancel = message<SipRequest>(['CANCEL sip:agent@192.168.1.7:5061;transport=tls SIP/2.0', 'Via: SIP/2.0/UDP 10.0.0.6:5060;branch=z9hG4bKcaller1;rport', `Route: ${route}`, 'Max-Forwards: 70', 'From: <sip:+85510@10.0.0.6>;tag=b2bua', 'To: <sip:agent@kampot.example>', 'Call-ID: relay-1', 'CSeq: 1 CANCEL', 'Content-Length: 0']);
  assert.equal(branchOf(cancel), branchOf(invite(route)));
  assert.equal(branchOf(invite(route)), branchOf(invite(route)));
  const other = message<SipRequest>(['INVITE sip:agent@192.168.1.7 SIP/2.0', 'Via: SIP/2.0/UDP 10.0.0.6:5060;branch=z9hG4bKcaller2;rport', `Route: ${route}`, 'Max-Forwards: 70', 'From: <sip:a@x>;tag=1', 'To: <sip:b@y>', 'Call-ID: relay-2', 'CSeq: 1 INVITE', 'Contact: <sip:c@10.0.0.6>', 'Content-Length: 0']);
  assert.notEqual(branchOf(other), branchOf(invite(route)));
});

test('a forged token is refused with 403 (an ACK dropped), a spent Max-Forwards with 483; a Route not naming us, or without a token, is not the relay\'s', () => {
  const token = tokens.mint(relayed);
  const forged = new FlowTokens(randomBytes(32)).mint(relayed);
  assert.deepEqual(relayRequest(invite(`<sip:${forged}@10.0.0.5:5060;lr>`), otherReplica, self, tokens), { kind: 'reply', status: 403, reason: 'Forbidden - Invalid Flow Token' });
  const ack = message<SipRequest>(['ACK sip:agent@192.168.1.7 SIP/2.0', 'Via: SIP/2.0/UDP 10.0.0.6:5060;branch=z9hG4bKack;rport', `Route: <sip:${forged}@10.0.0.5:5060;lr>`, 'Max-Forwards: 70', 'From: <sip:a@x>;tag=1', 'To: <sip:b@y>;tag=2', 'Call-ID: relay-1', 'CSeq: 1 ACK', 'Content-Length: 0']);
  assert.equal(relayRequest(ack, otherReplica, self, tokens).kind, 'drop');
  const spent = invite(`<sip:${token}@10.0.0.5:5060;lr>`);
  spent.headers = spent.headers.map((h) => (h.name === 'Max-Forwards' ? { ...h, value: '0' } : h));
  assert.deepEqual(relayRequest(spent, otherReplica, self, tokens), { kind: 'reply', status: 483, reason: 'Too Many Hops' });
  assert.deepEqual(relayRequest(invite(`<sip:${token}@10.0.0.9:5060;lr>`), otherReplica, self, tokens), { kind: 'not-relayed' });
  assert.deepEqual(relayRequest(invite('<sip:10.0.0.5:5060;lr>'), otherReplica, self, tokens), { kind: 'not-relayed' });
  assert.deepEqual(relayRequest(invite('<sip:switchyard@10.0.0.5:5060;lr>'), otherReplica, self, tokens), { kind: 'not-relayed' }, 'our Contact as a Route: an ordinary loose route');
});

test('a response to a relayed request loses our Via and goes back on the connection its request came from; others are not the relay\'s', () => {
  const response = (vias: string[]) => message<SipResponse>(['SIP/2.0 200 OK', ...vias.map((via) => `Via: ${via}`), 'From: <sip:a@x>;tag=1', 'To: <sip:b@y>;tag=2', 'Call-ID: relay-1', 'CSeq: 1 BYE', 'Content-Length: 0']);
  const toPhone = relayResponse(response(['SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKrelayabc;rport=5060;received=10.0.0.6', 'SIP/2.0/TLS 192.168.1.7:5061;branch=z9hG4bKphone1;rport=40001;received=203.0.113.7']), self);
  assert.equal(toPhone.kind, 'forward');
  if (toPhone.kind === 'forward') {
    assert.deepEqual(toPhone.destination, { address: '203.0.113.7', port: 40_001, transport: 'tls', flowOnly: true });
    assert.equal(headerValues(toPhone.response, 'Via').length, 1);
  }
  const toReplica = relayResponse(response(['SIP/2.0/TLS 10.0.0.5:5061;branch=z9hG4bKrelayabc;rport', 'SIP/2.0/UDP 10.0.0.6:5060;branch=z9hG4bKcaller1;rport=5060;received=10.0.0.6']), self);
  assert.ok(toReplica.kind === 'forward' && toReplica.destination.transport === 'udp' && toReplica.destination.address === '10.0.0.6');
  assert.deepEqual(relayResponse(response(['SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK0123abcd;rport']), self), { kind: 'not-relayed' }, 'a branch of our own transaction layer');
  assert.deepEqual(relayResponse(response(['SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKrelayabc']), self), { kind: 'not-relayed' }, 'another host\'s Via');
  assert.equal(relayResponse(response(['SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKrelayabc']), self).kind, 'drop', 'nothing beneath our Via');
});

test('a phone cannot use the relay to reach anyone else: its in-dialog request goes to the token\'s replica whatever the Request-URI says, and a request outside a dialog is refused', () => {
  const token = tokens.mint(relayed);
  const request = (requestUri: string, to: string) => message<SipRequest>([
    `INVITE ${requestUri} SIP/2.0`,
    'Via: SIP/2.0/TLS 192.168.1.7:5061;branch=z9hG4bKphone2;rport',
    `Route: <sip:${token}@10.0.0.5:5061;transport=tls;lr>`,
    `Route: <sip:${token}@10.0.0.5:5060;lr>`,
    'Max-Forwards: 70', 'From: <sip:agent@kampot.example>;tag=phone', `To: ${to}`, 'Call-ID: relay-3', 'CSeq: 2 INVITE', 'Contact: <sip:agent@192.168.1.7:5061;transport=tls>', 'Content-Length: 0',
  ]);
  const reinvite = relayRequest(request('sip:+15555550100@198.51.100.20:5060', '<sip:+85510@10.0.0.6>;tag=b2bua'), overTheFlow, self, tokens);
  assert.ok(reinvite.kind === 'forward');
  assert.deepEqual(reinvite.destination, { address: '10.0.0.6', port: 5060, transport: 'udp' }, 'not the trunk the Request-URI names');
  assert.deepEqual(relayRequest(request('sip:+15555550100@198.51.100.20:5060', '<sip:+15555550100@198.51.100.20>'), overTheFlow, self, tokens), { kind: 'reply', status: 403, reason: 'Forbidden - Not In A Relayed Dialog' });
});

test('a UDP phone behind NAT: what comes from the token\'s replica goes to the phone\'s address from our socket; what the phone sends, even from a new NAT port, goes to that replica, never back to the phone', () => {
  const natted = { transport: 'udp' as const, address: '203.0.113.7', port: 41_000 };
  const token = tokens.mint({ flow: natted, peer: '10.0.0.6:5060' });
  assert.deepEqual(tokens.read(token), { flow: natted, peer: '10.0.0.6:5060' });
  const towards = relayRequest(invite(`<sip:${token}@10.0.0.5:5060;lr>`), otherReplica, self, tokens);
  assert.ok(towards.kind === 'forward');
  assert.equal(towards.towardsFlow, true);
  assert.deepEqual(towards.destination, { ...natted, flowOnly: true });
  assert.match(headerValues(towards.request, 'Via')[0] ?? '', /^SIP\/2\.0\/UDP 10\.0\.0\.5:5060;branch=z9hG4bKrelay/);
  assert.deepEqual(headerValues(towards.request, 'Record-Route'), [`<sip:${token}@10.0.0.5:5060;lr>`, `<sip:${token}@10.0.0.5:5060;lr>`]);
  const bye = (from: MessageSource, to: string) => relayRequest(message<SipRequest>([
    'BYE sip:switchyard@10.0.0.6:5060 SIP/2.0',
    'Via: SIP/2.0/UDP 192.168.1.7:5060;branch=z9hG4bKphone9;rport',
    `Route: <sip:${token}@10.0.0.5:5060;lr>`, `Route: <sip:${token}@10.0.0.5:5060;lr>`,
    'Max-Forwards: 70', 'From: <sip:agent@kampot.example>;tag=phone', `To: ${to}`, 'Call-ID: relay-9', 'CSeq: 1 BYE', 'Content-Length: 0',
  ]), from, self, tokens);
  for (const from of [{ ...natted }, { ...natted, port: 41_999 }]) {
    const decision = bye(from, '<sip:+85510@10.0.0.6>;tag=b2bua');
    assert.ok(decision.kind === 'forward', `from port ${from.port}`);
    assert.equal(decision.towardsFlow, false);
    assert.deepEqual(decision.destination, { address: '10.0.0.6', port: 5060, transport: 'udp' });
  }
  assert.deepEqual(bye({ address: '198.51.100.66', port: 5060, transport: 'udp' }, '<sip:+85510@10.0.0.6>'), { kind: 'reply', status: 403, reason: 'Forbidden - Not In A Relayed Dialog' }, 'a stranger outside a dialog');
});

test('3000 mutations of relayed messages: every one the parser accepts gets a decision, none throws', () => {
  const token = tokens.mint(relayed);
  const seeds = [
    `INVITE sip:agent@192.168.1.7:5061;transport=tls SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.6:5060;branch=z9hG4bKcaller1;rport\r\nRoute: <sip:${token}@10.0.0.5:5060;lr>\r\nRoute: <sip:next@192.0.2.1;lr>\r\nMax-Forwards: 70\r\nFrom: <sip:+85510@10.0.0.6>;tag=b2bua\r\nTo: <sip:agent@kampot.example>\r\nCall-ID: relay-1\r\nCSeq: 1 INVITE\r\nContact: <sip:switchyard@10.0.0.6:5060>\r\nContent-Length: 0\r\n\r\n`,
    `BYE sip:switchyard@10.0.0.6:5060 SIP/2.0\r\nVia: SIP/2.0/TLS 192.168.1.7:5061;branch=z9hG4bKphone1;rport\r\nRoute: <sip:${token}@10.0.0.5:5061;transport=tls;lr>\r\nRoute: <sip:${token}@10.0.0.5:5060;lr>\r\nMax-Forwards: 70\r\nFrom: <sip:agent@kampot.example>;tag=phone\r\nTo: <sip:+85510@10.0.0.6>;tag=b2bua\r\nCall-ID: relay-1\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n`,
    'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKrelayabc;rport=5060;received=10.0.0.6\r\nVia: SIP/2.0/TLS 192.168.1.7:5061;branch=z9hG4bKphone1;rport=40001;received=203.0.113.7\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@y>;tag=2\r\nCall-ID: relay-1\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n',
  ].map((text) => Buffer.from(text));
  const random = prng(5626);
  let decided = 0;
  for (let i = 0; i < 3000; i++) {
    const parsed = parseMessage(mutate(seeds[i % seeds.length] ?? Buffer.alloc(0), random));
    if (!parsed.ok) continue;
    const decision = parsed.message.kind === 'request' ? relayRequest(parsed.message, i % 2 === 0 ? otherReplica : overTheFlow, self, tokens) : relayResponse(parsed.message, self);
    assert.ok(['not-relayed', 'forward', 'reply', 'drop'].includes(decision.kind));
    decided++;
  }
  assert.ok(decided > 300, `only ${decided} mutations parsed: the fuzz barely reached the relay`);
});
