// A worker whose SIP socket has a backlog of unread datagrams (more offered than its core can
// take) refuses a share of new calls with 503 and Retry-After at once, answers OPTIONS probes 503
// so SBCs route elsewhere, and takes every call again once the backlog is gone.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import type { SipResponse } from '../../src/sip/message.ts';
import { headerValue } from '../../src/sip/message.ts';
import { parseMessage } from '../../src/sip/parser.ts';
import { nextAdmittedShare } from '../../src/worker/overload-guard.ts';
import { backlogInTable, udpBacklogBytes } from '../../src/worker/udp-backlog.ts';
import { runSipp, sippMissing } from '../support/sipp.ts';
import type { SippResult } from '../support/sipp.ts';
import { callerExpecting } from '../support/scenarios.ts';
import { sendOptions } from '../support/options-probe.ts';
import { startWebhookServer } from '../support/webhook-server.ts';
import type { WebhookServer } from '../support/webhook-server.ts';
import { startTestWorker } from '../support/worker-harness.ts';
import type { TestWorker } from '../support/worker-harness.ts';
import { freeFixturePorts, numbers, trunkCallRouting } from './trunk-call-fixture.ts';

const ok = (result: SippResult, what: string) => assert.equal(result.code, 0, `${what}: sipp exited ${result.code}\n${result.stderr.slice(-1500)}\n${result.stdout.slice(-1500)}`);

test('the admitted share falls by 0.7 while the backlog is over the mark, holds near it, and climbs back by 0.1', () => {
  assert.equal(nextAdmittedShare(1, 2000, 1000), 0.7);
  assert.equal(nextAdmittedShare(0.06, 2000, 1000), 0.05, 'never below 5%');
  assert.equal(nextAdmittedShare(0.7, 500, 1000), 0.7, 'draining: hold');
  assert.equal(nextAdmittedShare(0.7, 100, 1000), 0.7999999999999999);
  assert.equal(nextAdmittedShare(0.95, 0, 1000), 1);
  assert.equal(nextAdmittedShare(1, 1e9, 0), 1, '0 turns refusing off');
});

test('the backlog of a port is read from the rx_queue column of /proc/net/udp', () => {
  const table = [
    '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops',
    '  101: 0100007F:13C4 00000000:0000 07 00000000:00000A00 00:00000000 00000000     0        0 1001 2 0000000000000000 0',
    '  102: 0100007F:13C5 00000000:0000 07 00000000:00000100 00:00000000 00000000     0        0 1002 2 0000000000000000 0',
  ].join('\n');
  assert.equal(backlogInTable(table, 5060), 0xa00);
  assert.equal(backlogInTable(table, 5070), 0);
});

test('what waits unread on a real socket shows up as its backlog', async (t) => {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  t.after(() => socket.close());
  const { port } = socket.address();
  if (udpBacklogBytes(port) === undefined) return t.skip('no /proc/net/udp here');
  // The child sends while this thread is blocked in execFileSync, so nothing is read meanwhile.
  sendFromChild(port, Array.from({ length: 20 }, () => 'x'.repeat(500)));
  assert.ok((udpBacklogBytes(port) ?? 0) >= 20 * 500);
});

/** Sends the datagrams from another process while this one is blocked (so they queue unread). */
function sendFromChild(port: number, datagrams: string[]): void {
  const script = `const s = require('node:dgram').createSocket('udp4'); const d = JSON.parse(process.argv[1]);
    let left = d.length; for (const m of d) s.send(m, ${port}, '127.0.0.1', () => { if (--left === 0) s.close(); });`;
  execFileSync(process.execPath, ['-e', script, JSON.stringify(datagrams)]);
}

function request(method: string, replyPort: number, workerPort: number, id: string, to: string): string {
  return [
    `${method} sip:${to}@127.0.0.1:${workerPort} SIP/2.0`,
    // No rport: the answer goes to the sent-by port (ours), not back to the sending child.
    `Via: SIP/2.0/UDP 127.0.0.1:${replyPort};branch=z9hG4bK${id}`,
    `From: <sip:+85512000111@127.0.0.1:${replyPort}>;tag=${id}`,
    `To: <sip:${to}@127.0.0.1:${workerPort}>`,
    `Call-ID: ${id}@overload-test`,
    `CSeq: 1 ${method}`,
    `Contact: <sip:+85512000111@127.0.0.1:${replyPort}>`,
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

describe('a worker with more offered than it can read', { skip: sippMissing, timeout: 60_000 }, () => {
  let webhook: WebhookServer;
  let worker: TestWorker;
  let peer: Socket;
  const received: SipResponse[] = [];
  before(async () => {
    webhook = await startWebhookServer();
    // A mark of 2% of the receive buffer sampled every 5 ms, and a draw that only a full share admits, so one backlog decides.
    worker = await startTestWorker(trunkCallRouting(webhook.base, await freeFixturePorts()), { overload: { backlogShare: 0.02, sampleMs: 5 }, random: () => 0.999 });
    peer = createSocket('udp4');
    peer.on('message', (data) => {
      const parsed = parseMessage(data);
      if (parsed.ok && parsed.message.kind === 'response') received.push(parsed.message);
    });
    await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', resolve));
  });
  after(async () => {
    peer.close();
    await worker.close();
    await webhook.close();
  });

  test('refuses new calls with 503 and Retry-After and says 503 to OPTIONS while its socket is backed up, then takes calls again', async (t) => {
    if (udpBacklogBytes(worker.port) === undefined) return t.skip('no /proc/net/udp here');
    const remote = `127.0.0.1:${worker.port}`;
    const { port: replyPort } = peer.address();
    // 60 probes (more than one read of the socket takes, fewer than its default buffer holds) and then a call arrive while the worker cannot read.
    const probes = Array.from({ length: 60 }, (_, i) => request('OPTIONS', replyPort, worker.port, `probe${i}`, 'probe'));
    sendFromChild(worker.port, [...probes, request('INVITE', replyPort, worker.port, 'call1', numbers.clinic)]);
    const callAnswer = async () => {
      const deadline = Date.now() + 5000;
      for (;;) {
        const final = received.find((response) => headerValue(response, 'Call-ID') === 'call1@overload-test' && response.status >= 200);
        if (final) return final;
        assert.ok(Date.now() < deadline, `the INVITE should be answered; got ${received.length} responses: ${[...new Set(received.map((r) => `${r.status} ${headerValue(r, 'CSeq')}`))].join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const refused = await callAnswer();
    assert.equal(refused.status, 503);
    assert.equal(refused.reason, 'Service Unavailable - Overloaded');
    assert.equal(headerValue(refused, 'Retry-After'), '1');
    assert.ok(received.some((response) => response.status === 503 && headerValue(response, 'CSeq') === '1 OPTIONS'), 'probes learn the worker is overloaded');
    assert.ok((await worker.metric('switchyard_call_rejections_total', { status: '503', reason: 'Service Unavailable - Overloaded' })) >= 1);

    const deadline = Date.now() + 5000;
    while ((await worker.metric('switchyard_worker_overloaded')) !== 0) {
      assert.ok(Date.now() < deadline, 'the worker should take calls again once the backlog is gone');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal((await sendOptions(worker.port)).status, 200);
    ok(await runSipp({ scenario: callerExpecting(404, { to: '+85523999999' }), remote, calls: 1 }), 'routed again (404: no such number)');
  });
});
