// Transaction layer (RFC 3261 §17, RFC 6026) over real UDP/TCP sockets on 127.0.0.1 with
// fast timers (T1 = 20 ms, so 64*T1 = 1.28 s).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { headerValue } from '../../src/sip/message.ts';
import type { SipRequest, SipResponse } from '../../src/sip/message.ts';
import { toHeader } from '../../src/sip/name-addr.ts';
import { createResponse } from '../../src/sip/response-builder.ts';
import { cseqHeader } from '../../src/sip/scalar-headers.ts';
import type { ServerTransaction } from '../../src/sip/server-transaction.ts';
import { TransactionLayer } from '../../src/sip/transaction-layer.ts';
import type { TransactionUser } from '../../src/sip/transaction-layer.ts';
import { SipTransport } from '../../src/sip/transport.ts';
import { topVia, viaBranch } from '../../src/sip/via.ts';
import { FAST, UdpPeer, rawRequest, sleep, tuRequest, until, watchOutcome } from './transaction-helpers.ts';

const cleanup: Array<() => unknown> = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

interface Recorder extends TransactionUser {
  requests: Array<{ request: SipRequest; tx: ServerTransaction }>;
  cancels: ServerTransaction[];
  acks: SipRequest[];
  strays: SipResponse[];
  failures: string[];
}

async function layer(tu: Partial<TransactionUser> = {}, transportOptions = {}): Promise<{ layer: TransactionLayer; tu: Recorder; errors: string[] }> {
  const transport = await SipTransport.listen(transportOptions);
  const errors: string[] = [];
  const recorder: Recorder = {
    requests: [],
    cancels: [],
    acks: [],
    strays: [],
    failures: [],
    onRequest: (request, tx) => {
      recorder.requests.push({ request, tx });
      tu.onRequest?.(request, tx);
    },
    onCancel: (cancel, invite) => {
      recorder.cancels.push(invite);
      tu.onCancel?.(cancel, invite);
    },
    onAck: (ack, source) => {
      recorder.acks.push(ack);
      tu.onAck?.(ack, source);
    },
    onStrayResponse: (response) => recorder.strays.push(response),
    onServerFailure: (_tx, failure) => recorder.failures.push(failure),
  };
  const created = new TransactionLayer(transport, recorder, { timers: FAST, onError: (e) => errors.push(e) });
  cleanup.push(() => created.close(), () => transport.close());
  return { layer: created, tu: recorder, errors };
}

async function peer(): Promise<UdpPeer> {
  const created = await UdpPeer.bind();
  cleanup.push(() => created.close());
  return created;
}

const to = (port: number) => ({ address: '127.0.0.1', port, transport: 'udp' as const });

test('INVITE client, no answer: Timer A doubles from T1 until Timer B (64*T1) times out', async () => {
  const { layer: l } = await layer();
  const p = await peer();
  const started = Date.now();
  const watched = watchOutcome();
  l.sendRequest(tuRequest('INVITE'), to(p.port), watched.callbacks);
  const outcome = await watched.outcome;
  assert.deepEqual(outcome, { kind: 'timeout' });
  assert.ok(Date.now() - started >= 64 * FAST.t1 - 5);
  const sent = p.requests('INVITE');
  // 0, T1, 3T1, 7T1, 15T1, 31T1, 63T1: seven transmissions, the last racing Timer B.
  assert.ok(sent.length >= 6 && sent.length <= 7, `${sent.length} transmissions`);
  const gaps = p.inbox.slice(1, 5).map((entry, i) => entry.at - (p.inbox[i]?.at ?? 0));
  for (let i = 1; i < gaps.length; i++) assert.ok((gaps[i] ?? 0) > (gaps[i - 1] ?? 0), `gaps ${gaps.join(',')} should grow`);
  assert.equal(viaBranch(topVia(sent[0]!)!)?.startsWith('z9hG4bK'), true);
  assert.equal(l.clientTransactionCount, 0);
});

test('INVITE client: 180 stops retransmissions; 486 is ACKed by the transaction, and its retransmission re-ACKed', async () => {
  const { layer: l } = await layer();
  const p = await peer();
  const provisional: number[] = [];
  const finals: number[] = [];
  const watched = watchOutcome({
    onProvisional: (r) => provisional.push(r.status),
    onFinal: (r) => finals.push(r.status),
  });
  const tx = l.sendRequest(tuRequest('INVITE'), to(p.port), watched.callbacks);
  const invite = await until(() => p.requests('INVITE')[0], 'INVITE');
  p.send(createResponse(invite, 180, { toTag: 'uas1' }), l.transport.port);
  await until(() => provisional.length === 1, '180 passed up');
  const before = p.requests('INVITE').length;
  await sleep(8 * FAST.t1);
  assert.equal(p.requests('INVITE').length, before, 'no retransmission in Proceeding');
  const busy = createResponse(invite, 486, { toTag: 'uas1' });
  p.send(busy, l.transport.port);
  const outcome = await watched.outcome;
  assert.equal(outcome.kind === 'response' && outcome.response.status, 486);
  const ack = await until(() => p.requests('ACK')[0], 'ACK');
  assert.equal(viaBranch(topVia(ack)!), viaBranch(topVia(invite)!), 'ACK for non-2xx shares the INVITE branch');
  assert.deepEqual(cseqHeader(ack), { seq: 1, method: 'ACK' });
  assert.equal(toHeader(ack)?.params.get('tag'), 'uas1');
  assert.equal(tx.state, 'completed');
  p.send(busy, l.transport.port);
  await until(() => p.requests('ACK').length === 2, 'second ACK');
  assert.deepEqual(finals, [486], 'retransmitted final is absorbed');
});

test('INVITE client: 2xx goes up (and again when retransmitted, RFC 6026 Accepted); the TU ACKs it', async () => {
  const { layer: l } = await layer();
  const p = await peer();
  const finals: number[] = [];
  const watched = watchOutcome({ onFinal: (r) => finals.push(r.status) });
  const tx = l.sendRequest(tuRequest('INVITE'), to(p.port), watched.callbacks);
  const invite = await until(() => p.requests('INVITE')[0], 'INVITE');
  const ok = createResponse(invite, 200, { toTag: 'uas2' });
  p.send(ok, l.transport.port);
  await watched.outcome;
  assert.equal(tx.state, 'accepted');
  p.send(ok, l.transport.port);
  await until(() => finals.length === 2, 'retransmitted 2xx passed up');
  await sleep(3 * FAST.t1);
  assert.equal(p.requests('ACK').length, 0, 'the transaction never ACKs a 2xx');
  assert.equal(p.requests('INVITE').length, 1);
});

test('non-INVITE client: Timer E backs off to T2, Timer F times out; a final is passed up once', async () => {
  const { layer: l } = await layer();
  const p = await peer();
  const watched = watchOutcome();
  l.sendRequest(tuRequest('OPTIONS'), to(p.port), watched.callbacks);
  assert.deepEqual(await watched.outcome, { kind: 'timeout' });
  const times = p.inbox.map((e) => e.at);
  const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
  // T1, 2T1, T2, T2, …: 1 + 3 + (64*T1 - 7*T1) / T2 ≈ 18 transmissions.
  assert.ok(gaps.length >= 14 && gaps.length <= 18, `${gaps.length + 1} transmissions`);
  // Arrival times jitter under load, so judge the capped interval by its mean.
  const capped = gaps.slice(3);
  const mean = capped.reduce((a, b) => a + b, 0) / capped.length;
  assert.ok(mean >= FAST.t2 - 10 && mean <= FAST.t2 + 30, `capped at T2: ${gaps.join(',')}`);

  const finals: number[] = [];
  const secondWatched = watchOutcome({ onFinal: (r) => finals.push(r.status) });
  const second = l.sendRequest(tuRequest('OPTIONS'), to(p.port), secondWatched.callbacks);
  const options = await until(() => p.requests('OPTIONS').find((r) => viaBranch(topVia(r)!) === viaBranch(topVia(second.request)!)), 'OPTIONS');
  const ok = createResponse(options, 200);
  p.send(ok, l.transport.port);
  p.send(ok, l.transport.port);
  await secondWatched.outcome;
  await sleep(2 * FAST.t1);
  assert.deepEqual(finals, [200]);
  assert.equal(second.state, 'completed');
  await until(() => second.state === 'terminated', 'Timer K', 1000);
});

test('INVITE server: 100 Trying at once, retransmitted INVITE answered with the last response, Timer G until the ACK', async () => {
  const { layer: l, tu } = await layer();
  const p = await peer();
  const invite = rawRequest('INVITE', p.port);
  p.send(invite, l.transport.port);
  await until(() => p.responses(100).length === 1, '100 Trying');
  const { tx } = await until(() => tu.requests[0], 'INVITE at the TU');
  p.send(invite, l.transport.port);
  await until(() => p.responses(100).length === 2, '100 again for the retransmission');
  await tx.reply(180);
  p.send(invite, l.transport.port);
  await until(() => p.responses(180).length === 2, '180 again for the retransmission');
  assert.equal(tu.requests.length, 1, 'retransmissions never reach the TU');
  await tx.reply(486);
  await until(() => p.responses(486).length >= 3, 'Timer G retransmissions');
  p.send(rawRequest('ACK', p.port, { branch: viaBranch(topVia(tx.request)!)!, callId: headerValue(tx.request, 'Call-ID')!, toTag: tx.toTag }), l.transport.port);
  await until(() => tx.state === 'confirmed', 'Confirmed');
  const count = p.responses(486).length;
  await sleep(6 * FAST.t1);
  assert.equal(p.responses(486).length, count, 'ACK stopped Timer G');
  assert.equal(tu.acks.length, 0, 'ACK for a non-2xx is absorbed');
  assert.equal(new Set(p.responses().filter((r) => r.status > 100).map((r) => toHeader(r)?.params.get('tag'))).size, 1, 'one To tag');
  await until(() => tx.state === 'terminated', 'Timer I');
});

test('after the final response a transaction keeps only the headers that build a response or ACK, and 2xx retransmissions still work', async () => {
  const { layer: l, tu } = await layer({ onRequest: (request, tx) => void (request.method === 'OPTIONS' && tx.reply(200)) });
  const p = await peer();
  const invite = rawRequest('INVITE', p.port, { extra: ['Subject: kept by the TU only', 'X-Account: 42'] });
  p.send(invite, l.transport.port);
  const { request, tx } = await until(() => tu.requests[0], 'INVITE at the TU');
  await tx.reply(200);
  assert.equal(tx.state, 'accepted');
  assert.deepEqual(tx.request.headers.map((h) => h.name), ['Via', 'To', 'From', 'Call-ID', 'CSeq']);
  assert.equal(tx.request.body.length, 0);
  assert.equal(headerValue(request, 'X-Account'), '42', 'the request the TU was given is untouched');
  // The TU's own 2xx retransmission (§13.3.1.4) is built from what the transaction kept.
  await tx.reply(200);
  const oks = await until(() => (p.responses(200).length === 2 ? p.responses(200) : undefined), 'the 2xx twice');
  assert.deepEqual(oks[1]?.headers.filter((h) => h.name !== 'Content-Length'), oks[0]?.headers.filter((h) => h.name !== 'Content-Length'));

  const uac = await layer();
  const watched = watchOutcome();
  const options = uac.layer.sendRequest(tuRequest('OPTIONS'), to(l.transport.port), watched.callbacks);
  const branch = viaBranch(topVia(options.request)!);
  const answered = await watched.outcome;
  assert.ok(answered.kind === 'response' && answered.response.status === 200);
  assert.deepEqual(options.request.headers.map((h) => h.name), ['Via', 'To', 'From', 'Call-ID', 'CSeq']);
  assert.equal(viaBranch(topVia(options.request)!), branch, 'still the same transaction');
});

test('INVITE server: Timer H fires when the ACK never comes', async () => {
  const { layer: l, tu } = await layer();
  const p = await peer();
  p.send(rawRequest('INVITE', p.port), l.transport.port);
  const { tx } = await until(() => tu.requests[0], 'INVITE');
  await tx.reply(603);
  await until(() => tu.failures[0], 'Timer H', 3000);
  assert.deepEqual(tu.failures, ['timer-h']);
  assert.equal(tx.state, 'terminated');
  // 0, T1, 3T1, 7T1, then every T2 until 64*T1.
  assert.ok(p.responses(603).length >= 10, `${p.responses(603).length} retransmissions`);
});

test('non-INVITE server: retransmissions absorbed in Trying, answered with the final in Completed, gone after Timer J', async () => {
  const { layer: l, tu } = await layer();
  const p = await peer();
  const options = rawRequest('OPTIONS', p.port);
  p.send(options, l.transport.port);
  const { tx } = await until(() => tu.requests[0], 'OPTIONS');
  p.send(options, l.transport.port);
  await sleep(3 * FAST.t1);
  assert.equal(p.inbox.length, 0, 'nothing to resend yet');
  await tx.reply(200);
  p.send(options, l.transport.port);
  await until(() => p.responses(200).length === 2, 'final resent');
  assert.equal(tu.requests.length, 1);
  assert.equal((await tx.reply(500)).ok, false, 'a second final is refused');
  await until(() => l.serverTransactionCount === 0, 'Timer J', 3000);
});

test('CANCEL: matched to its INVITE, answered 200 by the layer, the TU answers 487; unknown CANCEL gets 481', async () => {
  const { layer: l, tu } = await layer({ onCancel: (_c, invite) => void invite.reply(487) });
  const p = await peer();
  p.send(rawRequest('INVITE', p.port, { branch: 'z9hG4bKcancelme', callId: 'cancel@test' }), l.transport.port);
  const { tx } = await until(() => tu.requests[0], 'INVITE');
  p.send(rawRequest('CANCEL', p.port, { branch: 'z9hG4bKcancelme', callId: 'cancel@test' }), l.transport.port);
  const ok = await until(() => p.responses(200)[0], '200 for CANCEL');
  assert.equal(cseqHeader(ok)?.method, 'CANCEL');
  assert.equal(toHeader(ok)?.params.get('tag'), tx.toTag, '§9.2: same To tag as the INVITE responses');
  await until(() => p.responses(487)[0], '487 for the INVITE');
  assert.equal(tu.cancels[0], tx);
  assert.ok(tx.cancelled);
  p.send(rawRequest('CANCEL', p.port, { branch: 'z9hG4bKnosuchinvite' }), l.transport.port);
  await until(() => p.responses(481)[0], '481');
  assert.equal(tu.requests.length, 1, 'CANCELs are not new requests for the TU');
});

test('ACK for a 2xx and stray responses go to the TU', async () => {
  const { layer: l, tu } = await layer();
  const p = await peer();
  p.send(rawRequest('INVITE', p.port, { callId: 'ok@test' }), l.transport.port);
  const { tx } = await until(() => tu.requests[0], 'INVITE');
  await tx.reply(200);
  // RFC 6026: a retransmitted INVITE in Accepted is absorbed (the TU retransmits its 2xx itself).
  p.send(rawRequest('INVITE', p.port, { callId: 'ok@test', branch: viaBranch(topVia(tx.request)!)! }), l.transport.port);
  assert.equal((await tx.reply(200)).ok, true, 'the UAS core may retransmit its 2xx');
  p.send(rawRequest('ACK', p.port, { callId: 'ok@test', branch: 'z9hG4bKnewbranchforack', toTag: tx.toTag }), l.transport.port);
  await until(() => tu.acks[0], 'ACK at the TU');
  const stray = createResponse(tx.request, 200);
  stray.headers = stray.headers.map((h) => (h.name === 'Via' ? { name: 'Via', value: `SIP/2.0/UDP ${l.transport.sentBy};branch=z9hG4bKnobody` } : h));
  p.send(stray, l.transport.port);
  await until(() => tu.strays[0], 'stray response');
  assert.equal(tu.requests.length, 1);
});

test('two layers: INVITE 180/200 + ACK, then a CANCELled INVITE ending in 487', async () => {
  const uas = await layer({
    onRequest: (request, tx) => {
      if (request.method !== 'INVITE') return;
      void tx.reply(180);
      if (request.headers.some((h) => h.name === 'Subject' && h.value === 'answer')) void tx.reply(200);
    },
    onCancel: (_cancel, invite) => void invite.reply(487),
  });
  const uac = await layer();
  const dest = to(uas.layer.transport.port);
  const answered = tuRequest('INVITE');
  answered.headers.push({ name: 'Subject', value: 'answer' });
  const statuses: number[] = [];
  const firstWatched = watchOutcome({ onProvisional: (r) => statuses.push(r.status) });
  uac.layer.sendRequest(answered, dest, firstWatched.callbacks);
  const outcome = await firstWatched.outcome;
  assert.ok(outcome.kind === 'response' && outcome.response.status === 200);
  assert.deepEqual(statuses.filter((s) => s === 180), [180]);
  const ack = tuRequest('ACK', headerValue(answered, 'Call-ID'));
  ack.headers = ack.headers.map((h) => (h.name === 'To' ? { name: 'To', value: headerValue(outcome.response, 'To') ?? '' } : h));
  assert.deepEqual(await uac.layer.sendAck(ack, dest), { ok: true });
  await until(() => uas.tu.acks[0], 'ACK for 2xx at the UAS TU');

  const secondWatched = watchOutcome();
  const second = uac.layer.sendRequest(tuRequest('INVITE'), dest, secondWatched.callbacks);
  const cancelWatched = watchOutcome();
  const cancel = uac.layer.cancel(second, dest, cancelWatched.callbacks);
  assert.ok(cancel);
  const cancelled = await secondWatched.outcome;
  assert.ok(cancelled.kind === 'response' && cancelled.response.status === 487);
  const cancelOutcome = await cancelWatched.outcome;
  assert.ok(cancelOutcome.kind === 'response' && cancelOutcome.response.status === 200);
  assert.equal(viaBranch(topVia(cancel.request)!), viaBranch(topVia(second.request)!), 'CANCEL reuses the INVITE branch');
});

test('CANCEL answered 200 but the INVITE never finally answered, only rung again: the INVITE transaction ends 64*T1 after the CANCEL (§9.1), not never', { timeout: 10_000 }, async () => {
  const { layer: l } = await layer();
  const p = await peer();
  const watched = watchOutcome();
  const invite = l.sendRequest(tuRequest('INVITE'), to(p.port), watched.callbacks);
  const sent = await until(() => p.requests('INVITE')[0], 'INVITE');
  p.send(createResponse(sent, 180, { toTag: 'uas1' }), l.transport.port);
  await until(() => invite.state === 'proceeding', 'Proceeding');
  // In Proceeding nothing ends the transaction of itself: well past 64*T1 it is still there.
  await sleep(80 * FAST.t1);
  assert.equal(invite.state, 'proceeding');
  const cancelledAt = Date.now();
  assert.ok(l.cancel(invite, to(p.port)));
  const cancel = await until(() => p.requests('CANCEL')[0], 'CANCEL');
  p.send(createResponse(cancel, 200, { toTag: 'uas1' }), l.transport.port);
  // Ringing goes on after the CANCEL, as from a callee that ignores it: that must not stop the clock.
  await sleep(10 * FAST.t1);
  p.send(createResponse(sent, 180, { toTag: 'uas1' }), l.transport.port);
  assert.deepEqual(await watched.outcome, { kind: 'timeout' });
  assert.ok(Date.now() - cancelledAt >= 64 * FAST.t1 - 5, 'not before 64*T1');
  assert.equal(invite.state, 'terminated');
  await until(() => l.clientTransactionCount === 0, 'the layer holds no transaction');
});

test('a CANCEL waiting for a provisional that never comes ends with its INVITE: Timer B, or a final response first', { timeout: 10_000 }, async () => {
  const { layer: l } = await layer();
  const silent = await peer();
  const timedOut = watchOutcome();
  const unanswered = l.sendRequest(tuRequest('INVITE'), to(silent.port), timedOut.callbacks);
  const waiting = l.cancel(unanswered, to(silent.port));
  assert.ok(waiting);
  assert.deepEqual(await timedOut.outcome, { kind: 'timeout' });
  assert.equal(waiting.state, 'terminated');
  assert.equal(silent.requests('CANCEL').length, 0, '§9.1: no CANCEL before a provisional');
  assert.equal(l.clientTransactionCount, 0, 'the layer holds neither the INVITE nor its CANCEL');

  const refusing = await peer();
  const refused = watchOutcome();
  const invite = l.sendRequest(tuRequest('INVITE'), to(refusing.port), refused.callbacks);
  const second = l.cancel(invite, to(refusing.port));
  const sent = await until(() => refusing.requests('INVITE')[0], 'INVITE');
  refusing.send(createResponse(sent, 486, { toTag: 'uas2' }), l.transport.port);
  await refused.outcome;
  assert.equal(second?.state, 'terminated', 'the CANCEL ends when the final response comes');
  assert.equal(refusing.requests('CANCEL').length, 0);
});

test('over TCP there are no retransmissions, and Timer D/K/J are zero', async () => {
  const uas = await layer({ onRequest: (_r, tx) => void tx.reply(404) });
  const uac = await layer();
  const dest = { address: '127.0.0.1', port: uas.layer.transport.port, transport: 'tcp' as const };
  const inviteWatched = watchOutcome();
  const invite = uac.layer.sendRequest(tuRequest('INVITE'), dest, inviteWatched.callbacks);
  const outcome = await inviteWatched.outcome;
  assert.ok(outcome.kind === 'response' && outcome.response.status === 404);
  await until(() => invite.state === 'terminated', 'Timer D = 0 over TCP', 500);
  const optionsWatched = watchOutcome();
  const options = uac.layer.sendRequest(tuRequest('OPTIONS'), dest, optionsWatched.callbacks);
  await optionsWatched.outcome;
  await until(() => options.state === 'terminated', 'Timer K = 0 over TCP', 500);
  await until(() => uas.tu.acks.length === 0 && uas.layer.serverTransactionCount <= 1, 'Timer J = 0 (the INVITE one waits for I)', 500);
  assert.equal(uas.tu.requests.length, 2);
});
