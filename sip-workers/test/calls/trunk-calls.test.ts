// Calls from a carrier's SBC (an InboundTrunk) through a running worker, with SIPp as the
// carrier, the outbound trunks and the callees, and a local server as the customer's webhook.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { validateTwilioSignature } from '../../src/webhook/twilio-signature.ts';
import type { RoutingTexts } from '../support/routing-fixture.ts';
import { runSipp, sippMissing, startSippServer } from '../support/sipp.ts';
import type { SippResult } from '../support/sipp.ts';
import { calleeAnswering, calleeChallenging, calleeHangingUp, calleeRedirecting, calleeRefusing, calleeRingingUntilCancelled, calleeTryingUntilCancelled, callerAnswered, callerCancelling, callerExpecting, callerHungUpOn, callerRefusedWithHeader } from '../support/scenarios.ts';
import { failing, startWebhookServer, twiml } from '../support/webhook-server.ts';
import type { WebhookServer } from '../support/webhook-server.ts';
import { startTestWorker } from '../support/worker-harness.ts';
import type { TestWorker } from '../support/worker-harness.ts';
import { freeFixturePorts, numbers, trunkCallRouting, trunkCredentials } from './trunk-call-fixture.ts';
import { eventually } from '../../../testing/operator-process.ts';

const ok = (result: SippResult, what: string) => assert.equal(result.code, 0, `${what}: sipp exited ${result.code}\n${result.stderr.slice(-1500)}\n${result.stdout.slice(-1500)}`);

describe('calls from an InboundTrunk', { skip: sippMissing, timeout: 120_000 }, () => {
  let webhook: WebhookServer;
  let worker: TestWorker;
  let routing: RoutingTexts;
  const ports = { primary: 0, secondary: 0, digest: 0 };
  const dialPstn = twiml('<Dial timeout="10"><Number>+85597000111</Number></Dial>');

  before(async () => {
    webhook = await startWebhookServer();
    Object.assign(ports, await freeFixturePorts());
    routing = trunkCallRouting(webhook.base, ports);
    worker = await startTestWorker(routing);
    webhook.route('/status', (_hit, response) => void response.writeHead(204).end());
  });
  after(async () => {
    await worker.close();
    await webhook.close();
  });

  const remote = () => `127.0.0.1:${worker.port}`;
  const authToken = () => (JSON.parse(routing.secrets) as { authTokens: Record<string, string> }).authTokens;

  test('a source address outside every InboundTrunk gets 403', async () => {
    ok(await runSipp({ scenario: callerExpecting(403, { to: numbers.clinic }), remote: remote(), calls: 1, localIp: '127.0.0.2' }), 'caller');
  });

  test('an INVITE without the From tag or the Contact a dialog needs gets 400 before the webhook is asked', async () => {
    webhook.route('/voice', dialPstn);
    webhook.hits.length = 0;
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    try {
      const invite = (id: string, from: string, contact: string[]) => [
        `INVITE sip:${numbers.clinic}@127.0.0.1 SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${socket.address().port};branch=z9hG4bK${id};rport`,
        'Max-Forwards: 70', `From: ${from}`, `To: <sip:${numbers.clinic}@127.0.0.1>`, `Call-ID: ${id}`, 'CSeq: 1 INVITE', ...contact, 'Content-Length: 0', '', '',
      ].join('\r\n');
      const finals = new Map<string, string>();
      socket.on('message', (data) => {
        const text = data.toString('latin1');
        const callId = /\r\nCall-ID: ([^\r]+)/.exec(text)?.[1];
        if (callId && !text.startsWith('SIP/2.0 1')) finals.set(callId, text.split('\r\n', 1)[0] ?? '');
      });
      socket.send(invite('no-contact', '<sip:+85512000111@127.0.0.1>;tag=1', []), worker.port, '127.0.0.1');
      socket.send(invite('no-tag', '<sip:+85512000111@127.0.0.1>', ['Contact: <sip:caller@127.0.0.1:9>']), worker.port, '127.0.0.1');
      for (let waited = 0; finals.size < 2 && waited < 3000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(finals.get('no-contact'), 'SIP/2.0 400 Bad Request - Missing Contact');
      assert.equal(finals.get('no-tag'), 'SIP/2.0 400 Bad Request - Missing From Tag');
      assert.equal(webhook.hits.length, 0);
    } finally {
      socket.close();
    }
  });

  test('a number that is not a PhoneNumber gets 404, and so does a disabled one', async () => {
    ok(await runSipp({ scenario: callerExpecting(404, { to: '+85523999999' }), remote: remote(), calls: 1 }), 'unknown number');
    ok(await runSipp({ scenario: callerExpecting(404, { to: numbers.disabled }), remote: remote(), calls: 1 }), 'disabled number');
  });

  test('a number of a disabled Account gets 403', async () => {
    ok(await runSipp({ scenario: callerExpecting(403, { to: numbers.closed }), remote: remote(), calls: 1 }), 'caller');
  });

  test('an INVITE with Max-Forwards 0 gets 483', async () => {
    const scenario = callerExpecting(483, { to: numbers.clinic }).replace('Max-Forwards: 70', 'Max-Forwards: 0');
    ok(await runSipp({ scenario, remote: remote(), calls: 1 }), 'caller');
  });

  test('the webhook gets Twilio parameters signed with the account\'s auth token, X- headers but not X-Switchyard-, and its <Dial><Number> reaches the trunk', async () => {
    webhook.route('/voice', dialPstn);
    webhook.hits.length = 0;
    const trunk = await startSippServer({ scenario: calleeAnswering(), localPort: ports.primary, calls: 1 });
    const caller = await runSipp({
      scenario: callerAnswered({ to: '023900100', extraHeaders: ['X-Customer-Ref: order-42', 'X-Switchyard-Internal: forged'] }),
      remote: remote(),
      calls: 1,
    });
    ok(caller, 'caller');
    ok(await trunk.exited, 'trunk UAS (it must have seen the BYE)');
    const hit = webhook.hits.find((h) => h.path === '/voice');
    assert.ok(hit, 'voice webhook requested');
    const params = new Map(hit.params);
    assert.equal(params.get('To'), numbers.clinic, 'national number normalised to E.164 by the trunk rules');
    assert.equal(params.get('From'), '+85512000111');
    assert.equal(params.get('Direction'), 'inbound');
    assert.equal(params.get('CallStatus'), 'ringing');
    assert.equal(params.get('ApiVersion'), '2010-04-01');
    assert.match(params.get('CallSid') ?? '', /^CA[0-9a-f]{32}$/);
    assert.equal(params.get('SipHeader_X-Customer-Ref'), 'order-42');
    assert.equal(params.has('SipHeader_X-Switchyard-Internal'), false);
    const token = authToken()[params.get('AccountSid') ?? ''];
    assert.ok(token, 'AccountSid names an account with an auth token');
    assert.ok(hit.signature && validateTwilioSignature(token, hit.signature, hit.url, hit.params), 'X-Twilio-Signature validates as Twilio\'s validators check it');
    assert.equal(await worker.metric('switchyard_outbound_trunk_attempts_total', { trunk: 'primary' }), 1);
  });

  test('the status callback is posted when the call ends', () => {
    const status = webhook.hits.filter((h) => h.path === '/status');
    assert.ok(status.length >= 1, 'status callback posted');
    const params = new Map(status.at(-1)?.params);
    assert.equal(params.get('CallStatus'), 'completed');
    assert.ok(Number(params.get('CallDuration')) >= 0);
  });

  test('a BYE from the callee ends the caller\'s leg too', async () => {
    webhook.route('/voice', dialPstn);
    const trunk = await startSippServer({ scenario: calleeHangingUp(300), localPort: ports.primary, calls: 1 });
    ok(await runSipp({ scenario: callerHungUpOn({ to: numbers.clinic }), remote: remote(), calls: 1 }), 'caller (must get the BYE)');
    ok(await trunk.exited, 'callee');
  });

  test('a trunk answering 503 fails over to the next trunk', async () => {
    webhook.route('/voice', dialPstn);
    const first = await startSippServer({ scenario: calleeRefusing(503, 'Service Unavailable'), localPort: ports.primary, calls: 1 });
    const second = await startSippServer({ scenario: calleeAnswering(), localPort: ports.secondary, calls: 1 });
    ok(await runSipp({ scenario: callerAnswered({ to: numbers.clinic }), remote: remote(), calls: 1 }), 'caller');
    ok(await first.exited, 'primary trunk (503, ACKed)');
    ok(await second.exited, 'secondary trunk (answered, got BYE)');
  });

  test('<Dial timeout> bounds the whole <Dial>: the trunk tried after a silent one rings only for what is left of it', async () => {
    webhook.route('/voice', twiml('<Dial timeout="3"><Number>+85597000111</Number></Dial>'));
    // Trunks on ports of their own: nothing listens on this primary's, which is silent for the
    // progress timeout (2 s here) and gets the INVITE's retransmissions for 32 s after, where no
    // later test's trunk listens.
    const own = await freeFixturePorts();
    await worker.setRouting(trunkCallRouting(webhook.base, { ...ports, primary: own.primary, secondary: own.secondary }));
    try {
      const second = await startSippServer({ scenario: calleeRingingUntilCancelled(), localPort: own.secondary, calls: 1 });
      const started = performance.now();
      ok(await runSipp({ scenario: callerExpecting(480, { to: numbers.clinic }), remote: remote(), calls: 1 }), 'caller');
      const tookMs = performance.now() - started;
      ok(await second.exited, 'secondary trunk (cancelled: 487 ACKed)');
      // Ringing the secondary for a full 3 s after the primary's 2 s would take 5 s.
      assert.ok(tookMs < 4300, `the caller got its 480 at the <Dial>'s 3 s, not 3 s after the failover (${tookMs.toFixed(0)} ms)`);
    } finally {
      await worker.setRouting(routing);
    }
  });

  test('a code in the trunk\'s stop list ends the call without failover', async () => {
    webhook.route('/voice', dialPstn);
    const before = await worker.metric('switchyard_outbound_trunk_attempts_total', { trunk: 'secondary' });
    const first = await startSippServer({ scenario: calleeRefusing(502, 'Bad Gateway'), localPort: ports.primary, calls: 1 });
    ok(await runSipp({ scenario: callerExpecting(502, { to: numbers.clinic }), remote: remote(), calls: 1 }), 'caller gets the 502');
    ok(await first.exited, 'primary trunk');
    assert.equal(await worker.metric('switchyard_outbound_trunk_attempts_total', { trunk: 'secondary' }), before, 'the secondary trunk was not tried');
  });

  test('CANCEL before the answer: the caller gets 487 and the callee is cancelled (487) too', async () => {
    webhook.route('/voice', dialPstn);
    const callee = await startSippServer({ scenario: calleeRingingUntilCancelled(), localPort: ports.primary, calls: 1 });
    ok(await runSipp({ scenario: callerCancelling({ to: numbers.clinic }), remote: remote(), calls: 1 }), 'caller');
    ok(await callee.exited, 'callee (CANCEL answered, 487 ACKed)');
  });

  test('a trunk that sends 100 Trying and then nothing is cancelled at the <Dial> timeout, and the caller gets 480', async () => {
    webhook.route('/voice', twiml('<Dial timeout="2"><Number>+85597000111</Number></Dial>'));
    const callee = await startSippServer({ scenario: calleeTryingUntilCancelled(), localPort: ports.primary, calls: 1 });
    ok(await runSipp({ scenario: callerExpecting(480, { to: numbers.clinic }), remote: remote(), calls: 1 }), 'caller');
    ok(await callee.exited, 'trunk (CANCEL answered, 487 ACKed)');
  });

  test('a 487 the callee sends unasked is no-answer to <Dial action>, whose TwiML then runs for the caller', async () => {
    webhook.route('/voice', twiml('<Dial timeout="10" action="/after-dial"><Number>+85597000111</Number></Dial>'));
    webhook.route('/after-dial', twiml('<Reject reason="busy"/>'));
    webhook.hits.length = 0;
    const callee = await startSippServer({ scenario: calleeRefusing(487, 'Request Terminated'), localPort: ports.primary, calls: 1 });
    ok(await runSipp({ scenario: callerExpecting(486, { to: numbers.clinic }), remote: remote(), calls: 1 }), 'caller gets the action\'s busy');
    ok(await callee.exited, 'trunk (487 ACKed)');
    const action = webhook.hits.find((hit) => hit.path === '/after-dial');
    assert.equal(new Map(action?.params).get('DialCallStatus'), 'no-answer');
    assert.match(new Map(action?.params).get('DialCallSid') ?? '', /^CA[0-9a-f]{32}$/, 'the call the <Number> made');
  });

  test('a connected <Dial>\'s action is requested once the call has ended, with DialCallStatus completed and how long it was connected; its TwiML is not run', async () => {
    webhook.route('/voice', twiml('<Dial timeout="10" action="/after-dial"><Number>+85597000111</Number></Dial>'));
    webhook.route('/after-dial', twiml('<Dial><Number>+85597000999</Number></Dial>'));
    webhook.hits.length = 0;
    const attemptsBefore = await worker.metric('switchyard_outbound_trunk_attempts_total', { trunk: 'primary' });
    const trunk = await startSippServer({ scenario: calleeHangingUp(1600), localPort: ports.primary, calls: 1 });
    ok(await runSipp({ scenario: callerHungUpOn({ to: numbers.clinic }), remote: remote(), calls: 1 }), 'caller (gets the BYE as the callee hangs up)');
    ok(await trunk.exited, 'callee');
    const action = await eventually('the action request', () => webhook.hits.find((hit) => hit.path === '/after-dial'), 5000, 20);
    const params = new Map(action.params);
    assert.equal(params.get('DialCallStatus'), 'completed');
    assert.equal(params.get('DialBridged'), 'true');
    assert.match(params.get('DialCallSid') ?? '', /^CA[0-9a-f]{32}$/);
    assert.notEqual(params.get('DialCallSid'), params.get('CallSid'));
    assert.equal(params.get('DialCallDuration'), '2', 'connected for the callee\'s 1.6 s');
    assert.equal(params.get('CallStatus'), 'completed');
    const token = authToken()[params.get('AccountSid') ?? ''];
    assert.ok(token && action.signature && validateTwilioSignature(token, action.signature, action.url, action.params), 'signed as every request is');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(await worker.metric('switchyard_outbound_trunk_attempts_total', { trunk: 'primary' }), attemptsBefore + 1, 'the action\'s <Dial> rang no one');
  });

  test('a <Dial> noun\'s statusCallback follows the call it makes: its own CallSid under the caller\'s as ParentCallSid, initiated, ringing, answered and completed with its duration, numbered in order', async () => {
    webhook.route('/voice', twiml('<Dial timeout="10"><Number statusCallback="/child-status" statusCallbackEvent="initiated ringing answered completed">+85597000111</Number></Dial>'));
    webhook.route('/child-status', (_hit, response) => void response.writeHead(204).end());
    webhook.hits.length = 0;
    const trunk = await startSippServer({ scenario: calleeHangingUp(300), localPort: ports.primary, calls: 1 });
    ok(await runSipp({ scenario: callerHungUpOn({ to: numbers.clinic }), remote: remote(), calls: 1 }), 'caller (gets the BYE as the callee hangs up)');
    ok(await trunk.exited, 'callee');
    const posts = await eventually('four child status callbacks', () => {
      const hits = webhook.hits.filter((hit) => hit.path === '/child-status');
      return hits.length === 4 ? hits : undefined;
    }, 5000, 20);
    const parent = new Map(webhook.hits.find((hit) => hit.path === '/voice')?.params).get('CallSid');
    const ordered = posts.map((hit) => new Map(hit.params)).sort((a, b) => Number(a.get('SequenceNumber')) - Number(b.get('SequenceNumber')));
    assert.deepEqual(ordered.map((p) => p.get('CallStatus')), ['initiated', 'ringing', 'in-progress', 'completed']);
    assert.deepEqual(ordered.map((p) => p.get('SequenceNumber')), ['0', '1', '2', '3']);
    for (const params of ordered) {
      assert.match(params.get('CallSid') ?? '', /^CA[0-9a-f]{32}$/);
      assert.notEqual(params.get('CallSid'), parent, 'a call of its own');
      assert.equal(params.get('CallSid'), ordered[0]?.get('CallSid'), 'the same child call throughout');
      assert.equal(params.get('ParentCallSid'), parent);
      assert.equal(params.get('Direction'), 'outbound-dial');
      assert.equal(params.get('To'), '+85597000111');
    }
    assert.match(ordered[3]?.get('CallDuration') ?? '', /^[01]$/, 'connected for the callee\'s 0.3 s');
    const token = authToken()[ordered[0]?.get('AccountSid') ?? ''];
    assert.ok(token && posts.every((hit) => hit.signature && validateTwilioSignature(token, hit.signature, hit.url, hit.params)), 'each signed');
  });

  test('a <Dial> noun that is refused tells its statusCallback completed alone by default, with the refusal\'s status and SIP code', async () => {
    webhook.route('/voice', twiml('<Dial timeout="10"><Number statusCallback="/child-status">+85597000111</Number></Dial>'));
    webhook.hits.length = 0;
    const trunk = await startSippServer({ scenario: calleeRefusing(486, 'Busy Here'), localPort: ports.primary, calls: 1 });
    ok(await runSipp({ scenario: callerExpecting(486, { to: numbers.clinic }), remote: remote(), calls: 1 }), 'caller gets busy');
    ok(await trunk.exited, 'trunk');
    const post = await eventually('the child\'s completed callback', () => webhook.hits.find((hit) => hit.path === '/child-status'), 5000, 20);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(webhook.hits.filter((hit) => hit.path === '/child-status').length, 1, 'nothing but completed');
    const params = new Map(post.params);
    assert.equal(params.get('CallStatus'), 'busy');
    assert.equal(params.get('SipResponseCode'), '486');
    assert.equal(params.has('CallDuration'), false);
  });

  test('a trunk\'s 302 reaches the caller with its Contact, for the caller to follow', async () => {
    webhook.route('/voice', dialPstn);
    const callee = await startSippServer({ scenario: calleeRedirecting('<sip:+85597000222@127.0.0.9:5999>'), localPort: ports.primary, calls: 1 });
    ok(await runSipp({ scenario: callerRefusedWithHeader(302, 'Contact', 'sip:\\+85597000222@127\\.0\\.0\\.9:5999', { to: numbers.clinic }), remote: remote(), calls: 1 }), 'caller gets the 302 with the Contact');
    ok(await callee.exited, 'trunk (302 ACKed)');
  });

  test('when the voice URL fails, the fallback URL\'s TwiML is used and told the error', async () => {
    webhook.route('/down', failing(500));
    webhook.route('/fallback', twiml('<Reject reason="busy"/>'));
    webhook.hits.length = 0;
    ok(await runSipp({ scenario: callerExpecting(486, { to: numbers.flaky }), remote: remote(), calls: 1 }), 'caller gets busy from the fallback TwiML');
    assert.deepEqual(webhook.hits.map((h) => h.path), ['/down', '/fallback']);
    const fallback = new Map(webhook.hits[1]?.params);
    assert.equal(fallback.get('ErrorCode'), '11200');
    assert.equal(fallback.get('ErrorUrl'), `${webhook.base}/down`);
  });

  test('a webhook that times out with no fallback: the caller gets 500', async () => {
    webhook.route('/voice', async (_hit, response) => {
      await new Promise((resolve) => setTimeout(resolve, 2500));
      response.writeHead(200).end('<Response/>');
    });
    ok(await runSipp({ scenario: callerExpecting(500, { to: numbers.clinic }), remote: remote(), calls: 1 }), 'caller');
  });

  test('<Redirect> fetches the next document and <Hangup> refuses the call', async () => {
    webhook.route('/voice', twiml('<Redirect method="POST">/next</Redirect>'));
    webhook.route('/next', twiml('<Hangup/>'));
    webhook.hits.length = 0;
    ok(await runSipp({ scenario: callerExpecting(603, { to: numbers.clinic }), remote: remote(), calls: 1 }), 'caller');
    assert.deepEqual(webhook.hits.map((h) => h.path).filter((p) => p !== '/status'), ['/voice', '/next']);
  });

  test('a <Dial callerId> the account may not present (another account\'s number) is not sent to the PSTN: the calling number is; one of its own is', async () => {
    webhook.route('/voice', twiml(`<Dial callerId="${numbers.closed}"><Number>+85597000111</Number></Dial>`));
    const forged = await startSippServer({ scenario: calleeAnswering({ inviteHeaders: [['From', 'sip:\\+85512000111@']] }), localPort: ports.primary, calls: 1 });
    ok(await runSipp({ scenario: callerAnswered({ to: numbers.clinic }), remote: remote(), calls: 1 }), 'caller');
    ok(await forged.exited, 'trunk (From is the calling number)');
    webhook.route('/voice', twiml(`<Dial callerId="${numbers.clinic}"><Number>+85597000111</Number></Dial>`));
    const own = await startSippServer({ scenario: calleeAnswering({ inviteHeaders: [['From', 'sip:\\+85523900100@']] }), localPort: ports.primary, calls: 1 });
    ok(await runSipp({ scenario: callerAnswered({ to: numbers.clinic }), remote: remote(), calls: 1 }), 'caller');
    ok(await own.exited, 'trunk (From is the account\'s number, as the <Dial> asked)');
  });

  test('an outbound trunk\'s 401 is answered with its digest credentials (HA1 from routing state)', async () => {
    webhook.route('/voice', twiml('<Dial callerId="+85523900100"><Number>+12025550143</Number></Dial>'));
    const trunk = await startSippServer({ scenario: calleeChallenging(trunkCredentials.realm, trunkCredentials.username, trunkCredentials.password), localPort: ports.digest, calls: 1 });
    ok(await runSipp({ scenario: callerAnswered({ to: numbers.clinic }), remote: remote(), calls: 1 }), 'caller');
    ok(await trunk.exited, 'trunk (digest verified, call answered and ended)');
  });

  test('a <Dial> that leads back into the same worker is refused 482 instead of looping', async () => {
    webhook.route('/voice', twiml(`<Dial><Sip>sip:${numbers.clinic}@127.0.0.1:${worker.port}</Sip></Dial>`));
    webhook.hits.length = 0;
    ok(await runSipp({ scenario: callerExpecting(482, { to: numbers.clinic }), remote: remote(), calls: 1 }), 'caller');
    assert.equal(webhook.hits.filter((hit) => hit.path === '/voice').length, 1, 'the webhook was asked once, not once per hop');
  });

  test('<Dial><Sip> reaches the URI and the call completes over TCP from the caller too', async () => {
    const callee = await startSippServer({ scenario: calleeAnswering(), calls: 1 });
    webhook.route('/voice', twiml(`<Dial><Sip>sip:agent@127.0.0.1:${callee.port}</Sip></Dial>`));
    ok(await runSipp({ scenario: callerAnswered({ to: numbers.clinic }), remote: remote(), calls: 1, transport: 'tcp' }), 'caller over TCP');
    ok(await callee.exited, 'callee');
  });
});
