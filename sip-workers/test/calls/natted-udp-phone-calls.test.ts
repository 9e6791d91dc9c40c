// A phone behind NAT registered over UDP through one replica, called through another: its NAT
// lets in only the address its REGISTER went to, and in Kubernetes only that replica's socket
// sends from it (kube-proxy's conntrack maps the pod's address back to the Service's). So the
// INVITE, the ACK and the BYE all reach the phone from that replica, which relays them (RFC 5626
// §5.3). A phone whose Contact is the address it registered from (not behind NAT) is still rung
// straight from the calling replica. A phone that registers an RFC 5626 flow keeps its NAT's
// pinhole open with STUN keep-alives, which the worker answers on its SIP port. The caller is a
// SIPp trunk call over UDP.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { redisMissing, startRedisServer } from '../support/redis-server.ts';
import type { RedisServer } from '../support/redis-server.ts';
import { agent102, kampot, pepperNumber, registrarRouting } from '../support/registrar-routing.ts';
import { startRegistrarWorker } from '../support/registrar-worker.ts';
import type { RegistrarWorker } from '../support/registrar-worker.ts';
import { callerAnswered, callerHungUpOn } from '../support/scenarios.ts';
import { runSipp, sippMissing } from '../support/sipp.ts';
import type { PhoneMessage } from '../support/scripted-phone.ts';
import { UdpPhone } from '../support/udp-phone.ts';
import { startWebhookServer, twiml } from '../support/webhook-server.ts';
import type { WebhookServer } from '../support/webhook-server.ts';

const privateContact = '<sip:agent-102@127.0.0.99:5062>';
const answerSdp = 'v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';

describe('a phone behind NAT registered over UDP', { skip: sippMissing || redisMissing, timeout: 60_000 }, () => {
  let redis: RedisServer;
  let webhook: WebhookServer;
  /** The replica the phone registers through: its NAT's pinhole leads here. */
  let edge: RegistrarWorker;
  /** Another replica with the same flow token key, where the calls come in. */
  let calling: RegistrarWorker;

  before(async () => {
    redis = await startRedisServer();
    webhook = await startWebhookServer();
    const flowTokenKey = randomBytes(32);
    edge = await startRegistrarWorker(registrarRouting(webhook.base), redis.url, { flowTokenKey });
    calling = await startRegistrarWorker(registrarRouting(webhook.base), redis.url, { flowTokenKey });
    webhook.route('/client', twiml('<Dial timeout="10"><Client>agent-102</Client></Dial>'));
  });
  // Each test starts with no binding for the user: one left by another would be rung first.
  beforeEach(async () => {
    await edge.running.registrar?.store.update({ carrier: 'mekong', domain: kampot, user: agent102.username }, { callId: 'cleanup', cseq: 1, removeAll: true, changes: [], maxBindings: 10 });
  });
  after(async () => {
    await calling.close();
    await edge.close();
    await webhook.close();
    await redis.stop();
  });

  const fromEdge = (message: PhoneMessage, what: string) => assert.deepEqual(message.source, { address: '127.0.0.1', port: edge.port }, `${what} comes from the replica the phone registered through`);

  /** A call placed on `calling` to the registered phone: it answers, the caller hangs up; the INVITE is returned for its checks. */
  async function answeredCall(phone: UdpPhone, contact: string): Promise<PhoneMessage> {
    const caller = runSipp({ scenario: callerAnswered({ to: pepperNumber, holdMs: 100 }), remote: `127.0.0.1:${calling.port}`, calls: 1 });
    const invite = await phone.next();
    phone.answer(invite, '200 OK', [`Contact: ${contact}`, 'Content-Type: application/sdp'], answerSdp);
    await phone.next();
    phone.answer(await phone.next(), '200 OK');
    const result = await caller;
    assert.equal(result.code, 0, `caller: sipp exited ${result.code}\n${result.stderr.slice(-1500)}`);
    return invite;
  }

  /** Registers a phone through `edge` with `contact` and starts a call on `calling`; the INVITE the phone gets. */
  async function callThroughAnotherReplica(contact: (phone: UdpPhone) => string, scenario: string): Promise<{ phone: UdpPhone; invite: PhoneMessage; caller: ReturnType<typeof runSipp> }> {
    const phone = await UdpPhone.open(edge.port);
    const registered = await phone.register({ domain: kampot, user: agent102.username, password: agent102.password, contact: contact(phone), expires: 300 });
    assert.match(registered.startLine, /^SIP\/2\.0 200 /);
    const caller = runSipp({ scenario, remote: `127.0.0.1:${calling.port}`, calls: 1 });
    return { phone, invite: await phone.next(), caller };
  }

  test('is rung through the replica it registered with: the INVITE, the ACK of the answer and the caller\'s BYE all come from there', async () => {
    const { phone, invite, caller } = await callThroughAnotherReplica(() => privateContact, callerAnswered({ to: pepperNumber, holdMs: 300 }));
    try {
      const [binding] = await calling.bindings(kampot, agent102.username);
      assert.equal(binding?.natted, true);
      assert.match(invite.startLine, /^INVITE sip:agent-102@127\.0\.0\.99:5062 SIP\/2\.0$/);
      fromEdge(invite, 'the INVITE');
      const recordRoutes = invite.headers.filter(([name]) => name.toLowerCase() === 'record-route').map(([, value]) => value);
      assert.equal(recordRoutes.length, 2, `two Record-Routes, one facing each side: ${recordRoutes.join(' | ')}`);
      for (const recordRoute of recordRoutes) assert.match(recordRoute, new RegExp(`^<sip:[A-Za-z0-9_.-]+@${edge.running.transport.sentBy.replace(/\./g, '\\.')};lr>$`));
      phone.answer(invite, '180 Ringing');
      phone.answer(invite, '200 OK', [`Contact: ${privateContact}`, 'Content-Type: application/sdp'], answerSdp);
      const ack = await phone.next();
      assert.match(ack.startLine, /^ACK sip:agent-102@127\.0\.0\.99:5062 SIP\/2\.0$/);
      fromEdge(ack, 'the ACK');
      const bye = await phone.next();
      assert.match(bye.startLine, /^BYE sip:agent-102@127\.0\.0\.99:5062 SIP\/2\.0$/);
      fromEdge(bye, 'the BYE');
      phone.answer(bye, '200 OK');
      const result = await caller;
      assert.equal(result.code, 0, `caller: sipp exited ${result.code}\n${result.stderr.slice(-1500)}`);
      assert.ok(await edge.metric('switchyard_flow_relay_messages_total', { direction: 'to-phone', outcome: 'relayed' }) >= 3, 'INVITE, ACK and BYE relayed');
    } finally {
      phone.close();
    }
  });

  test('its BYE goes back through that replica and ends the caller\'s leg', async () => {
    const { phone, invite, caller } = await callThroughAnotherReplica(() => privateContact, callerHungUpOn({ to: pepperNumber }));
    try {
      phone.answer(invite, '200 OK', [`Contact: ${privateContact}`, 'Content-Type: application/sdp'], answerSdp);
      fromEdge(await phone.next(), 'the ACK');
      phone.bye(invite);
      const ok = await phone.next();
      assert.match(ok.startLine, /^SIP\/2\.0 200 /, 'the BYE answered through the relay');
      fromEdge(ok, 'the 200 to the BYE');
      const result = await caller;
      assert.equal(result.code, 0, `caller: sipp exited ${result.code}\n${result.stderr.slice(-1500)}`);
      assert.ok(await edge.metric('switchyard_flow_relay_messages_total', { direction: 'from-phone', outcome: 'relayed' }) >= 1);
    } finally {
      phone.close();
    }
  });

  test('a phone not behind NAT (its Contact is where it registered from) is rung straight from the calling replica', async () => {
    const { phone, invite, caller } = await callThroughAnotherReplica((self) => `<sip:agent-102@127.0.0.1:${self.localPort}>`, callerAnswered({ to: pepperNumber, holdMs: 100 }));
    try {
      assert.deepEqual(invite.source, { address: '127.0.0.1', port: calling.port });
      assert.equal(invite.headers.filter(([name]) => name.toLowerCase() === 'record-route').length, 0, 'no relay on the path');
      phone.answer(invite, '200 OK', [`Contact: <sip:agent-102@127.0.0.1:${phone.localPort}>`, 'Content-Type: application/sdp'], answerSdp);
      await phone.next();
      const bye = await phone.next();
      phone.answer(bye, '200 OK');
      const result = await caller;
      assert.equal(result.code, 0, `caller: sipp exited ${result.code}\n${result.stderr.slice(-1500)}`);
    } finally {
      phone.close();
    }
  });

  test('an RFC 5626 phone keeps its pinhole open with STUN: it is granted its full expiry with Require: outbound, and the worker answers its keep-alives with the address it sees', async () => {
    const phone = await UdpPhone.open(edge.port);
    try {
      const registered = await phone.register({
        domain: kampot, user: agent102.username, password: agent102.password, expires: 600,
        contact: `${privateContact};+sip.instance="<urn:uuid:00000000-0000-1000-8000-00000000cafe>";reg-id=1`, extra: ['Supported: outbound'],
      });
      assert.match(registered.startLine, /^SIP\/2\.0 200 /);
      assert.equal(registered.header('Require'), 'outbound');
      assert.equal(registered.header('Flow-Timer'), undefined, 'over UDP the phone keeps its own STUN interval');
      assert.match(registered.header('Contact') ?? '', /;expires=600$/, 'not cut to the 60 s of a NAT\'d phone that keeps its pinhole with REGISTERs');
      const answered = await edge.metric('switchyard_stun_messages_total', { answer: 'binding-response' });
      assert.deepEqual(await phone.stunKeepAlive(), { address: '127.0.0.1', port: phone.localPort });
      assert.deepEqual(await phone.stunKeepAlive(), { address: '127.0.0.1', port: phone.localPort });
      assert.equal(await edge.metric('switchyard_stun_messages_total', { answer: 'binding-response' }), answered + 2);
      // The flow still carries SIP: the phone is rung over it.
      fromEdge(await answeredCall(phone, privateContact), 'the INVITE');
    } finally {
      phone.close();
    }
  });

  test('once the replica it registered through is gone, the replica its packets now reach leaves its keep-alive unanswered; the phone registers again there and is answered and rung from there', async () => {
    const phone = await UdpPhone.open(edge.port);
    const contact = `${privateContact};+sip.instance="<urn:uuid:00000000-0000-1000-8000-0000000beef0>";reg-id=1`;
    const register = () => phone.register({ domain: kampot, user: agent102.username, password: agent102.password, expires: 600, contact, extra: ['Supported: outbound'] });
    try {
      assert.match((await register()).startLine, /^SIP\/2\.0 200 /);
      assert.ok(await phone.stunKeepAlive(), 'answered by the replica it registered through');
      phone.reachWorker(calling.port);
      const unanswered = await calling.metric('switchyard_stun_messages_total', { answer: 'not-our-flow' });
      assert.equal(await phone.stunKeepAlive(500), undefined, 'a replica that does not hold the flow leaves it unanswered: the flow failed');
      assert.equal(await calling.metric('switchyard_stun_messages_total', { answer: 'not-our-flow' }), unanswered + 1);
      assert.match((await register()).startLine, /^SIP\/2\.0 200 /);
      assert.deepEqual(await phone.stunKeepAlive(), { address: '127.0.0.1', port: phone.localPort });
      const [binding] = await calling.bindings(kampot, agent102.username);
      assert.equal(binding?.flow.edge, calling.running.transport.sentBy, 'the binding moved with the flow (same instance and reg-id)');
      const invite = await answeredCall(phone, privateContact);
      assert.deepEqual(invite.source, { address: '127.0.0.1', port: calling.port }, 'rung by the replica it registered through now');
    } finally {
      phone.close();
    }
  });
});
