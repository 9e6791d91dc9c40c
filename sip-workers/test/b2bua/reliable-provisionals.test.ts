// RFC 3262 §3 on a real INVITE server transaction whose responses are recorded instead of sent,
// with T1 at 10 ms so the retransmission schedule runs in a moment.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReliableProvisionals } from '../../src/b2bua/reliable-provisionals.ts';
import type { SipRequest, SipResponse } from '../../src/sip/message.ts';
import { headerValue } from '../../src/sip/message.ts';
import { parseMessage } from '../../src/sip/parser.ts';
import { ServerTransaction } from '../../src/sip/server-transaction.ts';

const timers = { t1: 10, t2: 40, t4: 50 };

function request(text: string): SipRequest {
  const parsed = parseMessage(Buffer.from(text.split('\n').join('\r\n')));
  if (!parsed.ok || parsed.message.kind !== 'request') throw new Error('test request does not parse');
  return parsed.message;
}

const invite = () => request(`INVITE sip:+85523900100@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKprack1
From: <sip:+85512000111@127.0.0.1>;tag=caller
To: <sip:+85523900100@127.0.0.1>
Call-ID: reliable-1@127.0.0.1
CSeq: 7 INVITE
Require: 100rel
Max-Forwards: 70
Content-Length: 0

`);

const prack = (rseq: string, cseq = '7', method = 'INVITE') => request(`PRACK sip:worker@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKprack-${rseq}
From: <sip:+85512000111@127.0.0.1>;tag=caller
To: <sip:+85523900100@127.0.0.1>;tag=worker
Call-ID: reliable-1@127.0.0.1
CSeq: 8 PRACK
RAck: ${rseq} ${cseq} ${method}
Content-Length: 0

`);

/** The transaction, what it sent and when (Date.now(), so a mock clock's time). */
function recordedTransaction(): { transaction: ServerTransaction; sent: SipResponse[]; sentAt: number[] } {
  const sent: SipResponse[] = [];
  const sentAt: number[] = [];
  const transaction = new ServerTransaction(invite(), { address: '127.0.0.1', port: 5070, transport: 'udp' }, 'key', {
    send: (response) => {
      sent.push(response);
      sentAt.push(Date.now());
      return Promise.resolve({ ok: true });
    },
    timers,
    linger: () => undefined,
    onTerminated: () => undefined,
    onFailure: () => undefined,
  });
  return { transaction, sent, sentAt };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ringing = { status: 180, headers: [], body: Buffer.alloc(0) };
const earlyMedia = { status: 183, headers: [{ name: 'Content-Type', value: 'application/sdp' }], body: Buffer.from('v=0\r\n') };

test('each provisional carries Require: 100rel and the next RSeq; the next waits for the PRACK naming the one before', () => {
  const { transaction, sent } = recordedTransaction();
  const reliable = new ReliableProvisionals(transaction, timers, () => assert.fail('no PRACK timeout expected'));
  reliable.send(ringing);
  reliable.send(earlyMedia);
  assert.equal(sent.length, 1, 'one unacknowledged at a time');
  assert.equal(headerValue(sent[0] ?? { headers: [] }, 'Require'), '100rel');
  const rseq = Number(headerValue(sent[0] ?? { headers: [] }, 'RSeq'));
  assert.ok(rseq >= 1 && rseq < 2 ** 31);
  for (const wrong of [prack(String(rseq + 1)), prack(String(rseq), '6'), prack(String(rseq), '7', 'UPDATE')]) assert.equal(reliable.acknowledges(wrong), false, 'a PRACK naming another response, CSeq or method does not count');
  assert.equal(reliable.acknowledges(prack(String(rseq))), true);
  reliable.acknowledge();
  assert.deepEqual(sent.map((response) => [response.status, headerValue(response, 'RSeq')]), [[180, String(rseq)], [183, String(rseq + 1)]]);
  reliable.stop();
});

test('a 2xx waits for the PRACK of a provisional that carried a description, not of one that did not', () => {
  const { transaction } = recordedTransaction();
  const reliable = new ReliableProvisionals(transaction, timers, () => undefined);
  reliable.send(ringing);
  let answered = 0;
  reliable.whenDescriptionsAcknowledged(() => answered++);
  assert.equal(answered, 1, 'a bare 180 awaiting its PRACK holds nothing up');
  reliable.stop();

  const second = recordedTransaction();
  const withMedia = new ReliableProvisionals(second.transaction, timers, () => undefined);
  withMedia.send(earlyMedia);
  withMedia.whenDescriptionsAcknowledged(() => answered++);
  assert.equal(answered, 1, 'the 2xx waits');
  withMedia.acknowledge();
  assert.equal(answered, 2, 'and goes once the 183 is acknowledged');
  withMedia.stop();
});

test('unacknowledged, it is sent again at T1, 2·T1, 4·T1 and so on; after 64·T1 the caller is given up on, once', (t) => {
  // On a mock clock, so the schedule is exact however busy the machine.
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const { transaction, sent, sentAt } = recordedTransaction();
  let givenUp = 0;
  let givenUpAt: number | undefined;
  const reliable = new ReliableProvisionals(transaction, timers, () => {
    givenUp++;
    givenUpAt = Date.now();
  });
  reliable.send(ringing);
  for (let ms = 0; ms < 64 * timers.t1 + 200; ms++) t.mock.timers.tick(1);
  assert.deepEqual(sentAt, [0, 10, 30, 70, 150, 310, 630], 'sent at 0, then after T1, 2·T1, 4·T1… until 64·T1');
  assert.equal(sent.length, sentAt.length);
  assert.ok(sent.every((response) => headerValue(response, 'RSeq') === headerValue(sent[0] ?? { headers: [] }, 'RSeq')), 'the same RSeq each time');
  assert.equal(givenUp, 1);
  assert.equal(givenUpAt, 64 * timers.t1);
});

test('a final response stops the retransmissions', async () => {
  const { transaction, sent } = recordedTransaction();
  const reliable = new ReliableProvisionals(transaction, timers, () => assert.fail('stopped before the limit'));
  reliable.send(ringing);
  reliable.stop();
  await sleep(60);
  assert.equal(sent.length, 1);
});
