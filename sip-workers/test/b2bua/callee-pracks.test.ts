// A B leg towards a callee that sends its provisional responses reliably (RFC 3262, the worker as
// UAC): the INVITE offers 100rel when it carries the offer, each new reliable 180/183 is PRACKed
// in its own early dialog and passed on once, retransmitted and out-of-order ones are neither,
// and the confirmed dialog numbers its requests after the PRACKs. The leg runs on a transaction
// layer that records what it sends; the wire test is calls/callee-reliable-provisional-calls.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inDialogRequest } from '../../src/b2bua/dialog.ts';
import { MAX_EARLY_DIALOGS } from '../../src/b2bua/callee-pracks.ts';
import { OutgoingLeg, type DialTarget } from '../../src/b2bua/outgoing-leg.ts';
import type { ClientTransactionCallbacks } from '../../src/sip/client-transaction.ts';
import { headerValue, headerValues } from '../../src/sip/message.ts';
import type { HeaderField, SipRequest, SipResponse } from '../../src/sip/message.ts';
import { parseNameAddr } from '../../src/sip/name-addr.ts';
import { createResponse } from '../../src/sip/response-builder.ts';
import type { TransactionLayer } from '../../src/sip/transaction-layer.ts';
import type { Destination } from '../../src/sip/transport.ts';
import { formatUri, parseUri } from '../../src/sip/uri.ts';

function recordingLayer() {
  const sent: { invites: SipRequest[]; others: Array<{ request: SipRequest; destination: Destination }>; callbacks: ClientTransactionCallbacks[] } = { invites: [], others: [], callbacks: [] };
  const layer = {
    transport: { sentBy: '127.0.0.1:5060' },
    sendRequest(request: SipRequest, destination: Destination, callbacks: ClientTransactionCallbacks = {}) {
      if (request.method !== 'INVITE') {
        sent.others.push({ request, destination });
        return { state: 'trying', request };
      }
      sent.invites.push(request);
      sent.callbacks.push(callbacks);
      return { state: 'calling', request, replaceCallbacks: () => undefined };
    },
    sendAck: () => Promise.resolve({ ok: true }),
    cancel: () => undefined,
  };
  return { layer: layer as unknown as TransactionLayer, sent };
}

function target(options: { body?: string; headers?: HeaderField[] } = {}): DialTarget {
  const uri = parseUri('sip:+85597000111@gateway.example');
  const from = parseNameAddr('<sip:+85523900100@switchyard.example>');
  const to = parseNameAddr('<sip:+85597000111@gateway.example>');
  assert.ok(uri.ok && from.ok && to.ok);
  return {
    requestUri: uri.value, destination: { address: '127.0.0.1', port: 5080, transport: 'udp' }, from: from.value, to: to.value,
    maxForwards: 69, ringTimeoutMs: 60_000, progressTimeoutMs: 60_000,
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.body === undefined ? {} : { body: Buffer.from(options.body), contentType: 'application/sdp' }),
  };
}

const offer = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

/** A provisional from branch `tag` of the callee, reliable when `rseq` is given. */
const provisional = (invite: SipRequest, status: number, tag: string, rseq?: string | number): SipResponse => createResponse(invite, status, {
  toTag: tag,
  headers: [
    { name: 'Record-Route', value: '<sip:edge-b.example;lr>' },
    { name: 'Record-Route', value: '<sip:edge-a.example;lr>' },
    { name: 'Contact', value: `<sip:${tag}@10.1.2.3:5070>` },
    ...(rseq === undefined ? [] : [{ name: 'Require', value: '100rel' }, { name: 'RSeq', value: String(rseq) }]),
  ],
});

function ringingLeg(options: Parameters<typeof target>[0] = { body: offer }) {
  const { layer, sent } = recordingLayer();
  const relayed: SipResponse[] = [];
  const leg = new OutgoingLeg(layer, target(options), '<sip:worker@127.0.0.1:5060>', { onProvisional: (response) => relayed.push(response) });
  void leg.start();
  const invite = sent.invites[0];
  const callbacks = sent.callbacks[0];
  assert.ok(invite && callbacks);
  const receive = (response: SipResponse) => callbacks.onProvisional?.(response);
  return { leg, sent, relayed, invite, callbacks, receive, pracks: () => sent.others.filter(({ request }) => request.method === 'PRACK') };
}

describe('a B leg towards a callee sending reliable provisional responses', () => {
  test('the INVITE carrying the offer says Supported: 100rel, in the one Supported field that also relays timer; a late-offer INVITE does not', () => {
    const withOffer = ringingLeg({ body: offer, headers: [{ name: 'Supported', value: 'timer' }, { name: 'Session-Expires', value: '1800' }] });
    assert.deepEqual(headerValues(withOffer.invite, 'Supported'), ['timer, 100rel']);
    assert.deepEqual(headerValues(ringingLeg({ body: offer }).invite, 'Supported'), ['100rel']);
    const lateOffer = ringingLeg({ headers: [{ name: 'Supported', value: 'timer' }] });
    assert.deepEqual(headerValues(lateOffer.invite, 'Supported'), ['timer']);
    assert.deepEqual(headerValues(ringingLeg({}).invite, 'Supported'), []);
  });

  test('each new reliable provisional is PRACKed in its early dialog (RAck, route set, Contact as Request-URI) and passed on once', () => {
    const { invite, receive, relayed, pracks } = ringingLeg();
    receive(provisional(invite, 183, 'branch-1', 7));
    assert.equal(pracks().length, 1);
    const first = pracks()[0];
    assert.ok(first);
    assert.equal(formatUri(first.request.uri), 'sip:branch-1@10.1.2.3:5070');
    assert.equal(headerValue(first.request, 'RAck'), '7 1 INVITE');
    assert.equal(headerValue(first.request, 'CSeq'), '2 PRACK');
    assert.equal(headerValue(first.request, 'Call-ID'), headerValue(invite, 'Call-ID'));
    assert.match(headerValue(first.request, 'To') ?? '', /;tag=branch-1$/);
    assert.deepEqual(headerValues(first.request, 'Route'), ['<sip:edge-a.example;lr>', '<sip:edge-b.example;lr>']);
    // Towards the first Route, not the Contact.
    assert.equal(first.destination.address, 'edge-a.example');
    assert.equal(relayed.length, 1);

    receive(provisional(invite, 180, 'branch-1', 8));
    assert.deepEqual(pracks().map(({ request }) => [headerValue(request, 'RAck'), headerValue(request, 'CSeq')]), [['7 1 INVITE', '2 PRACK'], ['8 1 INVITE', '3 PRACK']]);
    assert.deepEqual(relayed.map((response) => response.status), [183, 180]);
  });

  test('a retransmitted reliable provisional, and one skipping ahead of a lost one, are neither PRACKed nor passed on', () => {
    const { invite, receive, relayed, pracks } = ringingLeg();
    receive(provisional(invite, 183, 'branch-1', 7));
    receive(provisional(invite, 183, 'branch-1', 7));
    receive(provisional(invite, 180, 'branch-1', 9));
    assert.equal(pracks().length, 1);
    assert.equal(relayed.length, 1);
    // The one it skipped comes after all: in order again.
    receive(provisional(invite, 180, 'branch-1', 8));
    assert.deepEqual(pracks().map(({ request }) => headerValue(request, 'RAck')), ['7 1 INVITE', '8 1 INVITE']);
    assert.equal(relayed.length, 2);
  });

  test('branches of a forked INVITE number their provisionals each on their own, and each is PRACKed in its own early dialog', () => {
    const { invite, receive, relayed, pracks } = ringingLeg();
    receive(provisional(invite, 180, 'branch-1', 7));
    receive(provisional(invite, 180, 'branch-2', 7));
    receive(provisional(invite, 183, 'branch-2', 8));
    assert.deepEqual(pracks().map(({ request }) => [headerValue(request, 'To')?.split('tag=')[1], headerValue(request, 'RAck'), headerValue(request, 'CSeq')]), [
      ['branch-1', '7 1 INVITE', '2 PRACK'],
      ['branch-2', '7 1 INVITE', '2 PRACK'],
      ['branch-2', '8 1 INVITE', '3 PRACK'],
    ]);
    assert.equal(relayed.length, 3);
  });

  test(`a callee making up a new early dialog per provisional gets PRACKs for ${MAX_EARLY_DIALOGS} of them, not one per provisional`, () => {
    const { invite, receive, relayed, pracks } = ringingLeg();
    for (let tag = 0; tag < MAX_EARLY_DIALOGS + 10; tag++) receive(provisional(invite, 180, `branch-${tag}`, 1));
    assert.equal(pracks().length, MAX_EARLY_DIALOGS);
    assert.equal(relayed.length, MAX_EARLY_DIALOGS);
    // The early dialogs it has still get theirs.
    receive(provisional(invite, 183, 'branch-0', 2));
    assert.equal(pracks().length, MAX_EARLY_DIALOGS + 1);
  });

  test('an unreliable provisional is passed on unPRACKed; a reliable one without a usable RSeq is dropped', () => {
    const { invite, receive, relayed, pracks } = ringingLeg();
    receive(provisional(invite, 180, 'branch-1'));
    receive(provisional(invite, 183, 'branch-1', 'x1'));
    receive(provisional(invite, 183, 'branch-1', 0));
    assert.equal(pracks().length, 0);
    assert.deepEqual(relayed.map((response) => response.status), [180]);
  });

  test('the dialog the 2xx confirms numbers its next request after the PRACKs sent in it', async () => {
    const { leg, invite, receive, callbacks } = ringingLeg();
    receive(provisional(invite, 183, 'branch-1', 7));
    receive(provisional(invite, 180, 'branch-1', 8));
    callbacks.onFinal?.(createResponse(invite, 200, { toTag: 'branch-1', headers: [{ name: 'Contact', value: '<sip:branch-1@10.1.2.3:5070>' }] }));
    const outcome = await leg.outcome;
    assert.equal(outcome.kind, 'answered');
    assert.ok(outcome.kind === 'answered');
    assert.equal(headerValue(inDialogRequest(outcome.dialog, 'BYE'), 'CSeq'), '4 BYE');
  });
});
