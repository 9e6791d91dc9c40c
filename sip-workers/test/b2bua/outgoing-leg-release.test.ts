// A B leg's INVITE transaction outlives its call by up to 32 s (RFC 6026's Accepted state), so
// whatever its callbacks reach stays in memory that long: at 500 calls a second that was every
// finished call, whole. Once released, the leg itself ACKs a retransmitted 2xx and no longer calls
// into the session; an unanswered leg lets go of the session as soon as it settles. Either way
// the transaction then holds callbacks that reach only the answering dialog, not the leg.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { OutgoingLeg, type DialTarget } from '../../src/b2bua/outgoing-leg.ts';
import type { ClientTransactionCallbacks } from '../../src/sip/client-transaction.ts';
import type { SipRequest, SipResponse } from '../../src/sip/message.ts';
import { parseNameAddr } from '../../src/sip/name-addr.ts';
import { createResponse } from '../../src/sip/response-builder.ts';
import type { TransactionLayer } from '../../src/sip/transaction-layer.ts';
import { parseUri } from '../../src/sip/uri.ts';

/** The part of the transaction layer a leg uses, recording what the leg sends. */
function recordingLayer() {
  const sent: { invites: SipRequest[]; acks: SipRequest[]; others: SipRequest[]; callbacks: ClientTransactionCallbacks[] } = { invites: [], acks: [], others: [], callbacks: [] };
  const layer = {
    transport: { sentBy: '127.0.0.1:5060' },
    sendRequest(request: SipRequest, _destination: unknown, callbacks: ClientTransactionCallbacks = {}) {
      if (request.method !== 'INVITE') {
        sent.others.push(request);
        return { state: 'calling', request };
      }
      const index = sent.invites.push(request) - 1;
      sent.callbacks.push(callbacks);
      // As a transaction does: the callbacks it holds are the ones it was last given.
      return { state: 'calling', request, replaceCallbacks: (replaced: ClientTransactionCallbacks) => (sent.callbacks[index] = replaced) };
    },
    sendAck(ack: SipRequest) {
      sent.acks.push(ack);
      return Promise.resolve({ ok: true });
    },
    cancel() {
      return undefined;
    },
  };
  return { layer: layer as unknown as TransactionLayer, sent };
}

function target(): DialTarget {
  const uri = parseUri('sip:+85597000111@127.0.0.1:5080');
  const from = parseNameAddr('<sip:+85523900100@switchyard.example>');
  const to = parseNameAddr('<sip:+85597000111@127.0.0.1:5080>');
  assert.ok(uri.ok && from.ok && to.ok);
  return { requestUri: uri.value, destination: { address: '127.0.0.1', port: 5080, transport: 'udp' }, from: from.value, to: to.value, maxForwards: 69, ringTimeoutMs: 60_000, progressTimeoutMs: 60_000 };
}

const answer = (invite: SipRequest, status: number): SipResponse => createResponse(invite, status, { toTag: 'callee-tag', headers: status < 300 ? [{ name: 'Contact', value: '<sip:callee@127.0.0.1:5080>' }] : [] });

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/**
 * Whether `events` (standing for the call session) and the leg itself can be collected while the
 * transaction's callbacks, kept as the transaction layer keeps them for Timer M or D, are alive.
 */
async function collectable(run: (events: { onProvisional: () => void; onAnswerRetransmitted: () => void }) => Promise<{ leg: OutgoingLeg; callbacks: ClientTransactionCallbacks | undefined }>): Promise<{ session: boolean; leg: boolean }> {
  let callbacks: ClientTransactionCallbacks | undefined;
  const refs = await (async () => {
    const events = { onProvisional: () => undefined, onAnswerRetransmitted: () => undefined };
    const ran = await run(events);
    callbacks = ran.callbacks;
    return { session: new WeakRef(events), leg: new WeakRef(ran.leg) };
  })();
  await new Promise((resolve) => setImmediate(resolve));
  collectGarbage();
  assert.ok(callbacks, 'the transaction still holds its callbacks');
  return { session: refs.session.deref() === undefined, leg: refs.leg.deref() === undefined };
}

describe('releasing a B leg', () => {
  test('once released (answered) or settled (unanswered), the transaction no longer keeps the session or the leg in memory', async () => {
    /** A leg whose INVITE got `status`; released afterwards when the call was answered, as the session does when it ends. */
    const finishedWith = (status: number, kind: string) => collectable(async (events) => {
      const { layer, sent } = recordingLayer();
      const leg = new OutgoingLeg(layer, target(), '<sip:worker@127.0.0.1:5060>', events);
      const outcome = leg.start();
      const invite = sent.invites[0];
      assert.ok(invite);
      sent.callbacks[0]?.onFinal?.(answer(invite, status));
      assert.equal((await outcome).kind, kind);
      if (kind === 'answered') leg.release();
      return { leg, callbacks: sent.callbacks[0] };
    });
    const answeredAndReleased = await finishedWith(200, 'answered');
    assert.deepEqual(answeredAndReleased, { session: true, leg: true }, 'a released answered leg lets go of the session, and the transaction of the leg');
    const rejected = await finishedWith(486, 'rejected');
    assert.deepEqual(rejected, { session: true, leg: true }, 'a rejected leg lets go of the session when it settles, and the transaction of the leg');
  });

  test('an answered leg reports a retransmitted 2xx to the session until released, then ACKs it itself', async () => {
    const { layer, sent } = recordingLayer();
    let reported = 0;
    const leg = new OutgoingLeg(layer, target(), '<sip:worker@127.0.0.1:5060>', { onAnswerRetransmitted: () => reported++ });
    const outcome = leg.start();
    const invite = sent.invites[0];
    const callbacks = sent.callbacks[0];
    assert.ok(invite && callbacks);
    const ok = answer(invite, 200);
    callbacks.onFinal?.(ok);
    assert.equal((await outcome).kind, 'answered');

    callbacks.onFinal?.(ok);
    assert.equal(reported, 1, 'while the call is up the session re-sends its own ACK (it may carry the caller\'s answer)');
    assert.equal(sent.acks.length, 0);

    leg.release();
    assert.notEqual(sent.callbacks[0], callbacks, 'the transaction now holds callbacks that do not reach the leg');
    sent.callbacks[0]?.onFinal?.(ok);
    assert.equal(reported, 1, 'a released leg no longer calls into the session');
    assert.equal(sent.acks.length, 1, 'but the 2xx is still ACKed, as §13.2.2.4 requires');
    const ack = sent.acks[0];
    assert.equal(ack?.method, 'ACK');
    assert.match(ack?.headers.find((h) => h.name === 'To')?.value ?? '', /tag=callee-tag/);
    assert.match(ack?.headers.find((h) => h.name === 'CSeq')?.value ?? '', /^1 ACK$/);
  });

  test('an unanswered leg drops the session\'s callbacks when it settles, and still ends a 2xx that crosses its CANCEL', async () => {
    const { layer, sent } = recordingLayer();
    let provisionals = 0;
    const leg = new OutgoingLeg(layer, target(), '<sip:worker@127.0.0.1:5060>', { onProvisional: () => provisionals++, onAnswerRetransmitted: () => assert.fail('not answered') });
    const outcome = leg.start();
    const invite = sent.invites[0];
    const callbacks = sent.callbacks[0];
    assert.ok(invite && callbacks);
    callbacks.onProvisional?.(answer(invite, 180));
    assert.equal(provisionals, 1);
    leg.cancel();
    assert.equal((await outcome).kind, 'cancelled');
    sent.callbacks[0]?.onProvisional?.(answer(invite, 183));
    assert.equal(provisionals, 1, 'nothing more reaches the session');
    sent.callbacks[0]?.onFinal?.(answer(invite, 200));
    assert.equal(sent.acks.length, 1, 'the late 2xx is ACKed');
    assert.deepEqual(sent.others.map((request) => request.method), ['BYE'], 'and hung up');
  });
});
