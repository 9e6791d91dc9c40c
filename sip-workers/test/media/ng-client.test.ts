// The ng client against a stand-in relay that loses datagrams on purpose, answers late, or never.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { after, before, test } from 'node:test';
import { bdecode, bencode } from '../../src/media/bencode.ts';
import { NgClient, NgTimeoutError } from '../../src/media/ng-client.ts';

let relay: Socket;
let port: number;
/** What the stand-in does with the n-th datagram it gets for a cookie. */
let behaviour: (cookie: string, seen: number) => 'answer' | 'drop' | 'garble' = () => 'answer';
const seen = new Map<string, number>();

before(async () => {
  relay = createSocket('udp4');
  relay.on('message', (datagram, from) => {
    const space = datagram.indexOf(0x20);
    const cookie = datagram.toString('latin1', 0, space);
    const count = (seen.get(cookie) ?? 0) + 1;
    seen.set(cookie, count);
    const request = bdecode(datagram, space + 1) as Record<string, string>;
    const action = behaviour(cookie, count);
    if (action === 'drop') return;
    const body = action === 'garble' ? Buffer.from('d6:result') : bencode({ result: request.command === 'ping' ? 'pong' : 'ok', echo: request['call-id'] ?? '' });
    relay.send(Buffer.concat([Buffer.from(`${cookie} `), body]), from.port, from.address);
  });
  await new Promise<void>((resolve) => relay.bind(0, '127.0.0.1', resolve));
  port = relay.address().port;
});
after(() => relay.close());

test('a reply is matched to its command by cookie, and cookies differ per command', async () => {
  behaviour = () => 'answer';
  const client = new NgClient();
  const to = { host: '127.0.0.1', port };
  const [a, b] = await Promise.all([client.request(to, { command: 'offer', 'call-id': 'a' }), client.request(to, { command: 'offer', 'call-id': 'b' })]);
  assert.equal(a.echo, 'a');
  assert.equal(b.echo, 'b');
  assert.equal((await client.request(to, { command: 'ping' })).result, 'pong');
  await client.close();
});

test('a lost datagram is retransmitted with the same cookie until answered', async () => {
  seen.clear();
  behaviour = (_cookie, count) => (count < 3 ? 'drop' : 'answer');
  const client = new NgClient({ retransmitMs: 40, timeoutMs: 1000 });
  const reply = await client.request({ host: '127.0.0.1', port }, { command: 'delete', 'call-id': 'x' });
  assert.equal(reply.result, 'ok');
  assert.deepEqual([...seen.values()], [3], 'one cookie, sent three times');
  await client.close();
});

test('a relay that never answers fails the command after the timeout, not sooner and not never', async () => {
  behaviour = () => 'drop';
  const client = new NgClient({ retransmitMs: 50, timeoutMs: 300 });
  const started = Date.now();
  await assert.rejects(client.request({ host: '127.0.0.1', port }, { command: 'offer' }), NgTimeoutError);
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 290 && elapsed < 1000, `timed out after ${elapsed} ms`);
  await client.close();
});

test('an unreadable reply fails the command with a clear error', async () => {
  behaviour = () => 'garble';
  const client = new NgClient({ timeoutMs: 500 });
  await assert.rejects(client.request({ host: '127.0.0.1', port }, { command: 'offer' }), /unreadable reply/);
  await client.close();
});

test('closing fails what is pending', async () => {
  behaviour = () => 'drop';
  const client = new NgClient({ timeoutMs: 5000 });
  const pending = client.request({ host: '127.0.0.1', port }, { command: 'offer' });
  await new Promise((resolve) => setTimeout(resolve, 20));
  await client.close();
  await assert.rejects(pending, /closed/);
});
