// SipTransport over real UDP, TCP and TLS sockets on 127.0.0.1.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { SipMessage, SipRequest, SipResponse } from '../../src/sip/message.ts';
import { parseMessage } from '../../src/sip/parser.ts';
import { createResponse } from '../../src/sip/response-builder.ts';
import { responseDestination } from '../../src/sip/response-routing.ts';
import { serializeMessage } from '../../src/sip/serializer.ts';
import { SipTransport } from '../../src/sip/transport.ts';
import type { MessageSource, TransportEvent } from '../../src/sip/transport.ts';
import { parseVia, topVia, viaRport } from '../../src/sip/via.ts';
import { selfSignedCertificate } from '../support/tls-certificate.ts';
import { until as pollUntil } from './transaction-helpers.ts';

const open: Array<{ close(): unknown }> = [];
after(async () => {
  for (const item of open) await item.close();
});

async function transport(options: Parameters<typeof SipTransport.listen>[0] = {}): Promise<{ t: SipTransport; events: TransportEvent[]; received: Array<[SipMessage, MessageSource]> }> {
  const events: TransportEvent[] = [];
  const t = await SipTransport.listen({ ...options, onError: (e) => events.push(e) });
  const received: Array<[SipMessage, MessageSource]> = [];
  t.onMessage((m, s) => received.push([m, s]));
  open.push(t);
  return { t, events, received };
}

// The shared poll, with this file's tighter 2 s default.
const until = <T>(probe: () => T | undefined | false, what: string, ms = 2000): Promise<T> => pollUntil(probe, what, ms);

async function udpPeer(): Promise<{ socket: UdpSocket; port: number; inbox: Buffer[] }> {
  const socket = createSocket('udp4');
  const inbox: Buffer[] = [];
  socket.on('message', (data) => inbox.push(data));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  open.push({ close: () => new Promise<void>((r) => socket.close(() => r())) });
  return { socket, port: socket.address().port, inbox };
}

async function tcpPeer(port: number): Promise<{ socket: Socket; inbox: () => string }> {
  const socket = connect({ host: '127.0.0.1', port });
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  open.push({ close: () => socket.destroy() });
  return { socket, inbox: () => text };
}

function options(via: string, extra: string[] = [], method = 'OPTIONS'): Buffer {
  return Buffer.from(
    [
      `${method} sip:svc@127.0.0.1 SIP/2.0`,
      `Via: ${via}`,
      'Max-Forwards: 70',
      'To: <sip:svc@127.0.0.1>',
      'From: <sip:peer@127.0.0.1>;tag=abc',
      `Call-ID: ${Math.random().toString(36).slice(2)}@test`,
      `CSeq: 1 ${method}`,
      ...extra,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

function parsed(data: Buffer | string): SipMessage {
  const result = parseMessage(Buffer.isBuffer(data) ? data : Buffer.from(data, 'latin1'), { framing: 'stream' });
  assert.ok(result.ok, result.ok ? '' : result.error.detail);
  return result.message;
}

test('binds UDP and TCP on the same ephemeral port', async () => {
  const { t } = await transport();
  assert.ok(t.port > 0);
  assert.equal(t.sentBy, `127.0.0.1:${t.port}`);
  const peer = await tcpPeer(t.port);
  assert.ok(peer.socket.remotePort === t.port);
});

test('an IPv6 advertised address goes into the sent-by in brackets (§25.1 hostport), a name as it is', async () => {
  const v6 = await transport({ advertisedHost: '2001:db8::5' });
  assert.equal(v6.t.sentBy, `[2001:db8::5]:${v6.t.port}`);
  const named = await transport({ advertisedHost: 'sip.mekong.example' });
  assert.equal(named.t.sentBy, `sip.mekong.example:${named.t.port}`);
});

test('UDP request: handed up with its source, top Via stamped with received and rport, answered to rport', async () => {
  const { t, received } = await transport();
  const peer = await udpPeer();
  // sent-by names a port nobody listens on: only rport can bring the answer back.
  peer.socket.send(options('SIP/2.0/UDP 192.0.2.1:9;branch=z9hG4bKu1;rport'), t.port, '127.0.0.1');
  const [message, source] = await until(() => received[0], 'request');
  assert.equal(source.transport, 'udp');
  assert.equal(source.port, peer.port);
  assert.equal(source.connection, undefined);
  const via = topVia(message);
  assert.equal(via?.params.get('received'), '127.0.0.1');
  assert.equal(via && viaRport(via), peer.port);
  assert.deepEqual(await t.sendResponse(createResponse(message as SipRequest, 200), source), { ok: true });
  const answer = parsed(await until(() => peer.inbox[0], 'response')) as SipResponse;
  assert.equal(answer.status, 200);
});

test('a STUN Binding request on the SIP UDP port (RFC 5626 keep-alive) is answered with the peer\'s address, not handed up as SIP; a SIP request after it still is', async () => {
  const answers: string[] = [];
  const { t, received, events } = await transport({ onStun: (outcome) => answers.push(outcome) });
  const peer = await udpPeer();
  const transactionId = Buffer.from('0123456789abcdef01234567', 'hex');
  const request = Buffer.concat([Buffer.from('000100002112a442', 'hex'), transactionId]);
  peer.socket.send(request, t.port, '127.0.0.1');
  const response = await until(() => peer.inbox[0], 'Binding response');
  assert.equal(response.readUInt16BE(0), 0x0101);
  assert.deepEqual(response.subarray(8, 20), transactionId);
  // XOR-MAPPED-ADDRESS: 127.0.0.1 and the peer's port, XORed with the magic cookie.
  assert.deepEqual(response.subarray(20), Buffer.from([0x00, 0x20, 0x00, 0x08, 0x00, 0x01, (peer.port >> 8) ^ 0x21, (peer.port & 0xff) ^ 0x12, 127 ^ 0x21, 0 ^ 0x12, 0 ^ 0xa4, 1 ^ 0x42]));
  assert.deepEqual(answers, ['binding-response']);
  peer.socket.send(options('SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKafterstun;rport'), t.port, '127.0.0.1');
  await until(() => received[0], 'the SIP request after it');
  assert.deepEqual(events.filter((event) => event.kind === 'parse-error'), [], 'STUN is not a SIP parse error');
  // Only from the flows it is told of (a registrar's): anyone else's keep-alive goes unanswered.
  t.answerStunFrom((address, port) => address === '127.0.0.1' && port !== peer.port);
  peer.socket.send(request, t.port, '127.0.0.1');
  await until(() => answers.length === 2, 'the second keep-alive seen');
  assert.deepEqual(answers, ['binding-response', 'not-our-flow']);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(peer.inbox.filter((data) => data[0] === 0x01).length, 1, 'no second Binding response');
});

test('UDP response without rport goes to received at the sent-by port', async () => {
  const { t, received } = await transport();
  const peer = await udpPeer();
  peer.socket.send(options(`SIP/2.0/UDP localhost.invalid:${peer.port};branch=z9hG4bKu2`), t.port, '127.0.0.1');
  const [message] = await until(() => received[0], 'request');
  assert.equal(topVia(message)?.params.get('received'), '127.0.0.1');
  await t.sendResponse(createResponse(message as SipRequest, 486));
  assert.equal((parsed(await until(() => peer.inbox[0], 'response')) as SipResponse).status, 486);
});

test('§18.2.2 routing rules', () => {
  const route = (via: string) => {
    const parsedVia = parseVia(via);
    assert.ok(parsedVia.ok);
    return responseDestination(parsedVia.value);
  };
  assert.deepEqual(route('SIP/2.0/UDP a.example.com'), { address: 'a.example.com', port: 5060, transport: 'udp' });
  assert.deepEqual(route('SIP/2.0/UDP a.example.com:5070;received=192.0.2.1'), { address: '192.0.2.1', port: 5070, transport: 'udp' });
  assert.deepEqual(route('SIP/2.0/UDP a.example.com:5070;received=192.0.2.1;rport=40000'), { address: '192.0.2.1', port: 40000, transport: 'udp' });
  assert.deepEqual(route('SIP/2.0/UDP a.example.com;maddr=239.1.1.1'), { address: '239.1.1.1', port: 5060, transport: 'udp' });
  assert.deepEqual(route('SIP/2.0/TCP [2001:db8::1]:5070;received=2001:db8::2;rport=40000'), { address: '2001:db8::2', port: 5070, transport: 'tcp' });
  assert.deepEqual(route('SIP/2.0/TLS a.example.com;received=192.0.2.1;rport=40000'), { address: '192.0.2.1', port: 5061, transport: 'tls' }, 'TLS: the sent-by port, 5061 by default');
  assert.equal(route('SIP/2.0/SCTP a.example.com'), undefined);
});

test('TCP request: answered on the same connection; CRLFCRLF ping gets a CRLF pong', async () => {
  const { t, received } = await transport();
  const peer = await tcpPeer(t.port);
  peer.socket.write('\r\n\r\n');
  await until(() => peer.inbox() === '\r\n', 'pong');
  const request = options('SIP/2.0/TCP 192.0.2.1:9;branch=z9hG4bKt1');
  // Split mid-header: framing must not care.
  peer.socket.write(request.subarray(0, 30));
  await new Promise((r) => setTimeout(r, 20));
  peer.socket.write(request.subarray(30));
  const [message, source] = await until(() => received[0], 'request');
  assert.equal(source.transport, 'tcp');
  assert.ok(source.connection?.open);
  await t.sendResponse(createResponse(message as SipRequest, 200), source);
  const text = await until(() => (peer.inbox().includes('SIP/2.0 200') ? peer.inbox() : undefined), 'response');
  assert.equal((parsed(text.slice(2)) as SipResponse).status, 200);
});

test('malformed requests: 400 to the source when Via/From/To/Call-ID/CSeq are readable, else dropped and reported', async () => {
  const { t, events, received } = await transport();
  const peer = await udpPeer();
  peer.socket.send(options('SIP/2.0/UDP 192.0.2.1:9;branch=z9hG4bKbad', ['Max-Forwards: lots']), t.port, '127.0.0.1');
  const answer = parsed(await until(() => peer.inbox[0], '400')) as SipResponse;
  assert.equal(answer.status, 400);
  assert.equal(topVia(answer)?.params.get('branch'), 'z9hG4bKbad');
  peer.socket.send(Buffer.from('GARBAGE\r\n\r\n'), t.port, '127.0.0.1');
  peer.socket.send(Buffer.from(options('SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKnocid').toString().replace(/Call-ID:.*\r\n/, '')), t.port, '127.0.0.1');
  await until(() => events.filter((e) => e.kind === 'parse-error').length === 2, 'two parse errors');
  assert.equal(peer.inbox.length, 1);
  assert.equal(received.length, 0);
  assert.ok(events.some((e) => e.kind === 'answered-400'));
  // Over TCP a framing error closes the connection.
  const tcp = await tcpPeer(t.port);
  tcp.socket.write('OPTIONS sip:a SIP/2.0\r\nContent-Length: -5\r\n\r\n');
  await until(() => tcp.socket.destroyed || tcp.socket.readableEnded, 'connection closed');
  assert.ok(events.some((e) => e.kind === 'framing-error'));
});

test('requests between two transports over UDP and TCP; TCP connection reused; foreign responses discarded', async () => {
  const a = await transport();
  const b = await transport();
  b.t.onMessage((m, s) => {
    b.received.push([m, s]);
    if (m.kind === 'request') void b.t.sendResponse(createResponse(m, 202), s);
  });
  for (const kind of ['udp', 'tcp', 'tcp'] as const) {
    const request = parsed(options(`SIP/2.0/${kind.toUpperCase()} ${a.t.sentBy};branch=z9hG4bK${kind}${a.received.length}`));
    const sent = await a.t.sendRequest(request, { address: '127.0.0.1', port: b.t.port, transport: kind });
    assert.deepEqual(sent, { ok: true });
    const count = a.received.length + 1;
    await until(() => a.received.length === count, `${kind} response`);
    assert.equal((a.received[count - 1]?.[0] as SipResponse).status, 202);
  }
  assert.equal(a.t.tcpConnectionCount, 1, 'the second TCP request reused the connection');
  // A response whose top Via is not ours is dropped (§18.1.2).
  const peer = await udpPeer();
  const foreign = createResponse(parsed(options('SIP/2.0/UDP 192.0.2.77:5060;branch=z9hG4bKx')) as SipRequest, 200);
  peer.socket.send(serializeMessage(foreign), a.t.port, '127.0.0.1');
  await until(() => a.events.some((e) => e.kind === 'response-discarded'), 'discard');
  assert.equal(a.received.length, 3);
});

test('TLS: requests between two transports over verified TLS, the connection reused, responses on it; an untrusted certificate is refused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-sip-tls-'));
  open.push({ close: () => rm(dir, { recursive: true, force: true }) });
  const certificate = selfSignedCertificate(dir, 'sip');
  const tls = { port: 0, key: certificate.key, cert: certificate.cert, ca: certificate.cert };
  const a = await transport({ tls });
  const b = await transport({ tls });
  assert.notEqual(b.t.tlsPort, 0);
  assert.notEqual(b.t.tlsPort, b.t.port, 'TLS listens on a port of its own');
  b.t.onMessage((m, s) => {
    b.received.push([m, s]);
    if (m.kind === 'request') void b.t.sendResponse(createResponse(m, 202), s);
  });
  for (const round of [1, 2]) {
    const request = parsed(options(`SIP/2.0/TLS ${a.t.sentByFor('tls')};branch=z9hG4bKtls${round}`));
    assert.deepEqual(await a.t.sendRequest(request, { address: '127.0.0.1', port: b.t.tlsPort, transport: 'tls' }), { ok: true });
    await until(() => a.received.length === round, `TLS response ${round}`);
    assert.equal((a.received[round - 1]?.[0] as SipResponse).status, 202);
    assert.equal(b.received[round - 1]?.[1].transport, 'tls', 'the request arrived over TLS');
    assert.equal(a.received[round - 1]?.[1].transport, 'tls', 'its response came back on the TLS connection');
  }
  assert.equal(a.t.tcpConnectionCount, 1, 'the second request reused the TLS connection');
  assert.equal(a.t.sentByFor('tls'), `127.0.0.1:${a.t.tlsPort}`);
  // A peer presenting a certificate we do not trust gets no request (RFC 5922: verify the server).
  const stranger = await transport({ tls: { port: 0, ...selfSignedCertificate(dir, 'stranger') } });
  const refused = await a.t.sendRequest(parsed(options(`SIP/2.0/TLS ${a.t.sentByFor('tls')};branch=z9hG4bKtls3`)), { address: '127.0.0.1', port: stranger.t.tlsPort, transport: 'tls' });
  assert.equal(refused.ok, false);
  assert.match(refused.ok ? '' : refused.error, /self[- ]signed|certificate/i);
  assert.equal(stranger.received.length, 0);
  // Without TLS of its own a transport does not send in the clear instead.
  const plain = await transport();
  const noTls = await plain.t.sendRequest(parsed(options(`SIP/2.0/TLS ${plain.t.sentBy};branch=z9hG4bKtls4`)), { address: '127.0.0.1', port: b.t.tlsPort, transport: 'tls' });
  assert.deepEqual(noTls, { ok: false, error: 'no TLS configured' });
});

test('UDP datagrams sent in one turn leave in the order sent, and those sent just before close() still leave', async () => {
  const { t } = await transport();
  const peer = await udpPeer();
  const branches = Array.from({ length: 40 }, (_, i) => `z9hG4bKorder${i}`);
  const destination = { address: '127.0.0.1', port: peer.port, transport: 'udp' } as const;
  const results = await Promise.all(branches.map((branch) => t.sendRequest(parsed(options(`SIP/2.0/UDP ${t.sentBy};branch=${branch}`)), destination)));
  assert.ok(results.every((result) => result.ok));
  await until(() => peer.inbox.length === branches.length, 'all 40 datagrams');
  assert.deepEqual(peer.inbox.map((data) => topVia(parsed(data))?.params.get('branch')), branches);

  const closing = await transport();
  const last = closing.t.sendRequest(parsed(options(`SIP/2.0/UDP ${closing.t.sentBy};branch=z9hG4bKlast`)), destination);
  await closing.t.close();
  assert.deepEqual(await last, { ok: true });
  await until(() => peer.inbox.length === branches.length + 1, 'the datagram sent before close()');
});

test('send failures are values: unreachable TCP destination', async () => {
  const { t, events } = await transport({ tcpConnectTimeoutMs: 500 });
  const closedPort = (await udpPeer()).port; // bound for UDP only, so TCP connect is refused
  const result = await t.sendRequest(parsed(options(`SIP/2.0/TCP ${t.sentBy};branch=z9hG4bKf`)), { address: '127.0.0.1', port: closedPort, transport: 'tcp' });
  assert.equal(result.ok, false);
  assert.ok(events.some((e) => e.kind === 'send-failed'));
});

test('TCP bounds: connection limit, idle timeout, read buffer', async () => {
  const { t, events } = await transport({ maxTcpConnections: 1, tcpIdleTimeoutMs: 150, tcpMaxReadBufferBytes: 2048 });
  const first = await tcpPeer(t.port);
  const second = await tcpPeer(t.port);
  await until(() => second.socket.destroyed || second.socket.readableEnded, 'second connection refused');
  assert.ok(events.some((e) => e.kind === 'connection-limit'));
  assert.ok(!first.socket.destroyed);
  await until(() => first.socket.destroyed || first.socket.readableEnded, 'idle close', 2000);
  assert.ok(events.some((e) => e.kind === 'idle-timeout'));
  await until(() => t.tcpConnectionCount === 0, 'connection forgotten');
  const third = await tcpPeer(t.port);
  third.socket.write(`OPTIONS sip:a SIP/2.0\r\nX: ${'a'.repeat(3000)}`);
  await until(() => third.socket.destroyed || third.socket.readableEnded, 'oversized message closes the connection');
});

test('a handler that throws is reported, and the transport keeps receiving', async () => {
  const { t, events } = await transport();
  let calls = 0;
  t.onMessage(() => {
    calls++;
    throw new Error('boom');
  });
  const peer = await udpPeer();
  peer.socket.send(options('SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKh1'), t.port, '127.0.0.1');
  peer.socket.send(options('SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKh2'), t.port, '127.0.0.1');
  await until(() => calls === 2, 'two deliveries');
  assert.equal(events.filter((e) => e.kind === 'handler-threw').length, 2);
});

test('binding a port already taken fails with the bind error', async () => {
  const { t } = await transport();
  await assert.rejects(SipTransport.listen({ port: t.port }), /EADDRINUSE/);
});
