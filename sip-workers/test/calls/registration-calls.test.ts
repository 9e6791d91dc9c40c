// Phones registering with SipDomain users' credentials (SIPp), and calls reaching them through
// <Dial><Client>. Two workers share one Redis, as replicas do: a phone registered through one is
// rung from the other.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { redisMissing, startRedisServer } from '../support/redis-server.ts';
import type { RedisServer } from '../support/redis-server.ts';
import { phoneRegistering, registeredPhoneAnswering } from '../support/register-scenarios.ts';
import type { PhoneRegistering } from '../support/register-scenarios.ts';
import { agent101, agent102, kampot, pepperNumber, registrarRouting } from '../support/registrar-routing.ts';
import { startRegistrarWorker } from '../support/registrar-worker.ts';
import type { RegistrarWorker } from '../support/registrar-worker.ts';
import { calleeAnsweringAfter, calleeRefusing, calleeRingingUntilCancelled, callerAnswered, callerAuthenticating, callerExpecting } from '../support/scenarios.ts';
import { freeUdpPort, runSipp, sippMissing, startSippServer } from '../support/sipp.ts';
import type { SippResult } from '../support/sipp.ts';
import { startWebhookServer, twiml } from '../support/webhook-server.ts';
import type { WebhookServer } from '../support/webhook-server.ts';

const ok = (result: SippResult, what: string) => assert.equal(result.code, 0, `${what}: sipp exited ${result.code}\n${result.stderr.slice(-1500)}\n${result.stdout.slice(-800)}`);
const as101 = { user: agent101.username, password: agent101.password };
const as102 = { user: agent102.username, password: agent102.password };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('phones registering, and calls to them', { skip: sippMissing || redisMissing, timeout: 120_000 }, () => {
  let redis: RedisServer;
  let webhook: WebhookServer;
  let first: RegistrarWorker;
  let second: RegistrarWorker;

  before(async () => {
    redis = await startRedisServer();
    webhook = await startWebhookServer();
    const routing = registrarRouting(webhook.base);
    const digestKey = randomBytes(32);
    // A floor of 1 s lets the expiry test wait seconds, not minutes.
    first = await startRegistrarWorker(routing, redis.url, { digestKey, expiry: { minSeconds: 1 } });
    second = await startRegistrarWorker(routing, redis.url, { digestKey, expiry: { minSeconds: 1 } });
  });
  after(async () => {
    await first.close();
    await second.close();
    await webhook.close();
    await redis.stop();
  });

  /** A SIPp phone on `port` REGISTERing through `worker`. */
  function phone(worker: RegistrarWorker, port: number, options: Omit<PhoneRegistering, 'domain'>): Promise<SippResult> {
    // SIPp signs "sip:<remote ip>:<port>" unless told the Request-URI; the worker checks the digest's uri against it.
    return runSipp({ scenario: phoneRegistering({ domain: kampot, ...options }), remote: `127.0.0.1:${worker.port}`, localPort: port, calls: 1, extraArgs: ['-auth_uri', kampot] });
  }
  const registered = (worker: RegistrarWorker, user: string) => worker.bindings(kampot, user).then((bindings) => bindings.map((b) => b.uri).sort());

  test('a phone REGISTERs: 401, then 200 listing its binding with the expiry granted', async () => {
    const port = await freeUdpPort();
    ok(await phone(first, port, { ...as102, expires: 300, present: [`Contact: <sip:agent-102@127\\.0\\.0\\.1:${port}>;expires=300`] }), 'phone');
    const [binding] = await first.bindings(kampot, agent102.username);
    assert.deepEqual(binding?.flow, { transport: 'udp', address: '127.0.0.1', port, edge: first.running.transport.sentBy });
    assert.equal(binding?.userAgent, 'SIPp phone');
    assert.equal(await first.metric('switchyard_register_requests_total', { status: '200' }), 1);
    ok(await phone(first, port, { ...as102, contact: '*', expires: 0, absent: ['Contact:'] }), 'unregister');
  });

  test('a wrong password: 401, then 403, as for a call; no binding', async () => {
    ok(await phone(first, await freeUdpPort(), { user: agent101.username, password: 'guess', expect: 403 }), 'phone');
    assert.deepEqual(await registered(first, agent101.username), []);
    assert.ok((await first.metric('switchyard_digest_failures_total', { reason: 'bad-response' })) >= 1);
  });

  test('Expires 0 on a Contact removes that binding; Contact: * with Expires: 0 removes them all', async () => {
    const [desk, softphone] = [await freeUdpPort(), await freeUdpPort()];
    ok(await phone(first, desk, { ...as101, expires: 600 }), 'desk phone');
    ok(await phone(second, softphone, { ...as101, expires: 600 }), 'softphone, through the other replica');
    assert.deepEqual(await registered(first, agent101.username), [`sip:agent-101@127.0.0.1:${desk}`, `sip:agent-101@127.0.0.1:${softphone}`].sort());
    ok(await phone(first, await freeUdpPort(), {
      ...as101, contact: `<sip:agent-101@127.0.0.1:${desk}>;expires=0`,
      present: [`Contact: <sip:agent-101@127\\.0\\.0\\.1:${softphone}>;expires=`], absent: [`127\\.0\\.0\\.1:${desk}>`],
    }), 'desk phone unregistered');
    ok(await phone(second, await freeUdpPort(), { ...as101, contact: '*', expires: 0, absent: ['Contact:'] }), 'all unregistered');
    assert.deepEqual(await registered(first, agent101.username), []);
  });

  test('a binding expires on time, on every replica', async () => {
    const port = await freeUdpPort();
    ok(await phone(first, port, { ...as101, expires: 2, present: [';expires=2'] }), 'phone');
    const registeredAt = Date.now();
    assert.deepEqual(await registered(second, agent101.username), [`sip:agent-101@127.0.0.1:${port}`]);
    await sleep(1500 - (Date.now() - registeredAt));
    assert.equal((await registered(second, agent101.username)).length, 1, 'still there after 1.5 s');
    await sleep(2100 - (Date.now() - registeredAt));
    assert.deepEqual(await registered(first, agent101.username), [], 'gone 2.1 s after the 200');
    assert.deepEqual(await registered(second, agent101.username), []);
  });

  test('phone agent-101 calls agent-102 through <Dial><Client>: the phone registered through one replica rings from the other', async () => {
    const port = await freeUdpPort();
    ok(await phone(first, port, { ...as102, expires: 300 }), 'agent-102 registers through the first worker');
    webhook.hits.length = 0;
    webhook.route('/client', twiml('<Dial timeout="10"><Client>agent-102</Client></Dial>'));
    const callee = await startSippServer({ scenario: registeredPhoneAnswering(`sip:agent-102@127.0.0.1:${port}`, `sip:agent-102@${kampot}`), localPort: port, calls: 1 });
    try {
      const caller = await runSipp({
        scenario: callerAuthenticating(200, { to: 'agent-102', host: kampot, ...agent101 }),
        remote: `127.0.0.1:${second.port}`, calls: 1, extraArgs: ['-auth_uri', `agent-102@${kampot}`],
      });
      ok(caller, 'agent-101 calls through the second worker');
      ok(await callee.exited, 'agent-102 answers');
    } finally {
      await callee.stop();
    }
    const params = new Map(webhook.hits.find((hit) => hit.path === '/client')?.params);
    assert.equal(params.get('To'), `sip:agent-102@${kampot}`);
    assert.equal(params.get('SipUsername'), agent101.username);
    ok(await phone(first, port, { ...as102, contact: '*', expires: 0 }), 'unregister');
  });

  test('a <Client> with two registered phones rings both at once: the one that answers is connected, the other is cancelled', async () => {
    const [preferred, other] = [await freeUdpPort(), await freeUdpPort()];
    // q orders the phones: rung one after another, the preferred one would ring out the whole timeout alone.
    ok(await phone(first, preferred, { ...as102, expires: 300, contact: `<sip:agent-102@127.0.0.1:${preferred}>;q=1.0` }), 'the preferred phone registers');
    ok(await phone(first, other, { ...as102, expires: 300, contact: `<sip:agent-102@127.0.0.1:${other}>;q=0.5` }), 'the other phone registers');
    webhook.route('/client', twiml('<Dial timeout="3"><Client>agent-102</Client></Dial>'));
    const ringing = await startSippServer({ scenario: calleeRingingUntilCancelled(), localPort: preferred, calls: 1 });
    const answering = await startSippServer({ scenario: calleeAnsweringAfter(300), localPort: other, calls: 1 });
    try {
      ok(await runSipp({ scenario: callerAnswered({ to: pepperNumber }), remote: `127.0.0.1:${first.port}`, calls: 1 }), 'caller (answered by the other phone)');
      ok(await answering.exited, 'the other phone answers and gets the BYE');
      ok(await ringing.exited, 'the preferred phone rang and was cancelled (487 ACKed)');
    } finally {
      await ringing.stop();
      await answering.stop();
    }
    ok(await phone(first, preferred, { ...as102, contact: '*', expires: 0 }), 'unregister');
  });

  test('a 603 from one of a <Client>\'s phones declines for all of them: the other is cancelled and the caller gets 603', async () => {
    const [ringingPort, decliningPort] = [await freeUdpPort(), await freeUdpPort()];
    ok(await phone(first, ringingPort, { ...as102, expires: 300 }), 'a ringing phone registers');
    ok(await phone(first, decliningPort, { ...as102, expires: 300 }), 'a declining phone registers');
    webhook.route('/client', twiml('<Dial timeout="5"><Client>agent-102</Client></Dial>'));
    const ringing = await startSippServer({ scenario: calleeRingingUntilCancelled(), localPort: ringingPort, calls: 1 });
    const declining = await startSippServer({ scenario: calleeRefusing(603, 'Decline'), localPort: decliningPort, calls: 1 });
    try {
      const started = performance.now();
      ok(await runSipp({ scenario: callerExpecting(603, { to: pepperNumber }), remote: `127.0.0.1:${first.port}`, calls: 1 }), 'caller (603)');
      const tookMs = performance.now() - started;
      assert.ok(tookMs < 4000, `the caller heard the decline before the 5 s <Dial> timeout rang out the other phone (${tookMs.toFixed(0)} ms)`);
      ok(await declining.exited, 'the declining phone (603 ACKed)');
      ok(await ringing.exited, 'the ringing phone was cancelled at once (487 ACKed)');
    } finally {
      await ringing.stop();
      await declining.stop();
    }
    ok(await phone(first, ringingPort, { ...as102, contact: '*', expires: 0 }), 'unregister');
  });

  test('a <Client> phone\'s 603 also ends the <Dial>\'s other nouns, and the caller hears the 603, not their cancellation', async () => {
    const [decliningPort, sipPort] = [await freeUdpPort(), await freeUdpPort()];
    ok(await phone(first, decliningPort, { ...as102, expires: 300 }), 'a declining phone registers');
    webhook.route('/client', twiml(`<Dial timeout="5"><Client>agent-102</Client><Sip>sip:desk@127.0.0.1:${sipPort}</Sip></Dial>`));
    const ringing = await startSippServer({ scenario: calleeRingingUntilCancelled(), localPort: sipPort, calls: 1 });
    const declining = await startSippServer({ scenario: calleeRefusing(603, 'Decline'), localPort: decliningPort, calls: 1 });
    try {
      ok(await runSipp({ scenario: callerExpecting(603, { to: pepperNumber }), remote: `127.0.0.1:${first.port}`, calls: 1 }), 'caller (603)');
      ok(await declining.exited, 'the declining phone (603 ACKed)');
      ok(await ringing.exited, 'the <Sip> callee was cancelled (487 ACKed)');
    } finally {
      await ringing.stop();
      await declining.stop();
    }
    ok(await phone(first, decliningPort, { ...as102, contact: '*', expires: 0 }), 'unregister');
  });

  test('a phone behind NAT is called through the flow its REGISTER came over, ACK and BYE too, and kept to a short registration', async () => {
    const port = await freeUdpPort();
    // The Contact names an address where no phone listens (127.0.0.99 stands in for a private one); only 127.0.0.1:port (the "NAT") reaches it.
    ok(await phone(first, port, { ...as102, contact: '<sip:agent-102@127.0.0.99:5060>', expires: 3600, present: ['Contact: <sip:agent-102@127\\.0\\.0\\.99:5060>;expires=60'] }), 'phone behind NAT');
    webhook.route('/client', twiml('<Dial timeout="10"><Client>agent-102</Client></Dial>'));
    // Its 200 names the private address too: the ACK and the BYE must still come through the NAT.
    const callee = await startSippServer({ scenario: registeredPhoneAnswering('sip:agent-102@127.0.0.99:5060', `sip:agent-102@${kampot}`, '<sip:agent-102@127.0.0.99:5060>'), localPort: port, calls: 1 });
    try {
      // A PSTN call to the account's number: the <Client> is found in the account's SIP domain.
      ok(await runSipp({ scenario: callerAnswered({ to: pepperNumber }), remote: `127.0.0.1:${second.port}`, calls: 1 }), 'caller from the trunk');
      ok(await callee.exited, 'the phone behind NAT answers');
    } finally {
      await callee.stop();
    }
    ok(await phone(first, port, { ...as102, contact: '*', expires: 0 }), 'unregister');
  });

  test('a <Client> with no registered phone: the caller gets 480', async () => {
    webhook.route('/client', twiml('<Dial timeout="5"><Client>agent-101</Client></Dial>'));
    ok(await runSipp({ scenario: callerExpecting(480, { to: pepperNumber }), remote: `127.0.0.1:${first.port}`, calls: 1 }), 'caller');
  });
});
