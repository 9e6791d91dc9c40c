// Calls to a phone that sleeps behind a push token (RFC 8599, Sipwise's mobile push flow): its
// only binding carries pn-provider/pn-prid/pn-param and the flow it registered over is gone. The
// caller hears ringing, the push service pushes once through a fake APNs that checks the request
// and its signed token as Apple does, and the call waits for the phone's REGISTER (through
// either replica: both share one Redis) before ringing it; without one the caller gets 480.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { eventually } from '../../../testing/operator-process.ts';
import { deviceToken } from '../push/push-harness.ts';
import { startPushServiceFixture } from '../support/push-service-fixture.ts';
import type { PushServiceFixture } from '../support/push-service-fixture.ts';
import { redisMissing, startRedisServer } from '../support/redis-server.ts';
import type { RedisServer } from '../support/redis-server.ts';
import { phoneRegistering, registeredPhoneAnswering } from '../support/register-scenarios.ts';
import { agent102, kampot, pepperNumber, registrarRouting } from '../support/registrar-routing.ts';
import { startRegistrarWorker } from '../support/registrar-worker.ts';
import type { RegistrarWorker } from '../support/registrar-worker.ts';
import { callerAnswered, callerCancelling, callerExpecting } from '../support/scenarios.ts';
import { freeUdpPort, runSipp, sippMissing, startSippServer } from '../support/sipp.ts';
import type { SippResult } from '../support/sipp.ts';
import { selfSignedCertificate } from '../support/tls-certificate.ts';
import type { TestCertificate } from '../support/tls-certificate.ts';
import type { PhoneMessage } from '../support/scripted-phone.ts';
import { TlsPhone } from '../support/tls-phone.ts';
import { UdpPhone } from '../support/udp-phone.ts';
import { startWebhookServer, twiml } from '../support/webhook-server.ts';
import type { WebhookServer } from '../support/webhook-server.ts';

const ok = (result: SippResult, what: string) => assert.equal(result.code, 0, `${what}: sipp exited ${result.code}\n${result.stderr.slice(-1500)}\n${result.stdout.slice(-800)}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How many observations a histogram of `worker` holds for these labels. */
async function observations(worker: RegistrarWorker, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await worker.metrics.registry.getMetricsAsJSON()).find((candidate) => candidate.name === name);
  const values = (metric?.values ?? []) as Array<{ metricName?: string; labels: Record<string, string | number>; value: number }>;
  return values
    .filter((value) => value.metricName === `${name}_count` && Object.entries(labels).every(([key, wanted]) => String(value.labels[key]) === wanted))
    .reduce((sum, value) => sum + value.value, 0);
}

describe('calls to a phone woken by push', { skip: sippMissing || redisMissing, timeout: 120_000 }, () => {
  let redis: RedisServer;
  let webhook: WebhookServer;
  let push: PushServiceFixture;
  /** Waits 10 s for the woken phone: the replica the caller calls when the phone will answer. */
  let patient: RegistrarWorker;
  /** Waits 2 s: the replica for the calls nobody answers. */
  let hasty: RegistrarWorker;
  let dir: string;
  let certificate: TestCertificate;
  const flowTokenKey = randomBytes(32);

  before(async () => {
    redis = await startRedisServer();
    webhook = await startWebhookServer();
    push = await startPushServiceFixture('mekong-telecom');
    const routing = registrarRouting(webhook.base);
    const digestKey = randomBytes(32);
    dir = await mkdtemp(join(tmpdir(), 'switchyard-push-calls-'));
    certificate = selfSignedCertificate(dir, 'sip');
    const tls = { port: 0, certFile: certificate.certFile, keyFile: certificate.keyFile, caFile: certificate.certFile };
    const pushVia = (registrationTimeoutMs: number) => ({ serviceUrl: push.url, carrier: push.carrier, registrationTimeoutMs });
    patient = await startRegistrarWorker(routing, redis.url, { digestKey, flowTokenKey, tls, push: pushVia(10_000) });
    hasty = await startRegistrarWorker(routing, redis.url, { digestKey, flowTokenKey, tls, push: pushVia(2000) });
    webhook.route('/client', twiml('<Dial timeout="20"><Client>agent-102</Client></Dial>'));
  });
  after(async () => {
    await patient.close();
    await hasty.close();
    await push.close();
    await webhook.close();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const pushContact = (port: number, token: string) => `<sip:agent-102@127.0.0.1:${port};pn-provider=apns;pn-prid=${token};pn-param=${push.apnsParam}>`;

  /** agent-102's app registers its push token from `port`, then goes to sleep: SIPp exits, nothing listens there any more. */
  async function registerAndSleep(worker: RegistrarWorker, token: string): Promise<number> {
    const port = await freeUdpPort();
    const contact = pushContact(port, token);
    ok(await runSipp({ scenario: phoneRegistering({ domain: kampot, ...agent102WithPassword, contact, expires: 600 }), remote: `127.0.0.1:${worker.port}`, localPort: port, calls: 1, extraArgs: ['-auth_uri', kampot] }), 'the app registers its push token');
    const [binding] = await worker.bindings(kampot, agent102.username);
    assert.deepEqual(binding?.push, { provider: 'apns', prid: token, param: push.apnsParam });
    return port;
  }
  const agent102WithPassword = { user: agent102.username, password: agent102.password };

  async function unregisterAll(): Promise<void> {
    ok(await runSipp({ scenario: phoneRegistering({ domain: kampot, ...agent102WithPassword, contact: '*', expires: 0 }), remote: `127.0.0.1:${patient.port}`, calls: 1, extraArgs: ['-auth_uri', kampot] }), 'unregister');
  }

  const pushesTo = (token: string) => push.apns.requests.filter((request) => request.deviceToken === token);

  test('one push wakes the phone; it REGISTERs through the other replica and the call connects', async () => {
    const token = deviceToken(0xb1);
    await registerAndSleep(hasty, token);
    const caller = runSipp({ scenario: callerAnswered({ to: pepperNumber }), remote: `127.0.0.1:${patient.port}`, calls: 1 });

    await eventually('the push reaches APNs', () => (pushesTo(token).length > 0 ? true : undefined), 10_000, 20);
    const [pushed] = pushesTo(token);
    assert.equal(pushed?.status, 200, `APNs accepted the push and its provider token (${pushed?.reason ?? ''})`);
    assert.equal(pushed?.headers['apns-push-type'], 'voip');
    assert.equal((pushed?.payload as { type?: string; from?: string } | undefined)?.type, 'incoming-call');

    // The woken app registers from a new address, and answers there.
    const woken = await freeUdpPort();
    ok(await runSipp({ scenario: phoneRegistering({ domain: kampot, ...agent102WithPassword, contact: pushContact(woken, token), expires: 600 }), remote: `127.0.0.1:${hasty.port}`, localPort: woken, calls: 1, extraArgs: ['-auth_uri', kampot] }), 'the woken app registers');
    const callee = await startSippServer({ scenario: registeredPhoneAnswering(`sip:agent-102@127.0.0.1:${woken};pn-provider=apns;pn-prid=${token};pn-param=${push.apnsParam}`, `sip:agent-102@${kampot}`), localPort: woken, calls: 1 });
    try {
      ok(await caller, 'the caller is answered by the woken phone');
      ok(await callee.exited, 'the woken phone answers');
    } finally {
      await callee.stop();
    }
    assert.equal(pushesTo(token).length, 1, 'exactly one push for the call');
    assert.equal(await patient.metric('switchyard_worker_push_requests_total', { provider: 'apns', outcome: 'sent' }), 1);
    assert.equal(await observations(patient, 'switchyard_worker_push_registration_wait_seconds', { result: 'registered' }), 1);
    await unregisterAll();
  });

  test('the woken app registers over TLS through the other replica: the call is relayed into that connection', async () => {
    const token = deviceToken(0xb5);
    await registerAndSleep(hasty, token);
    const caller = runSipp({ scenario: callerAnswered({ to: pepperNumber, holdMs: 300 }), remote: `127.0.0.1:${patient.port}`, calls: 1 });
    await eventually('the push reaches APNs', () => (pushesTo(token).length > 0 ? true : undefined), 10_000, 20);

    // Behind NAT on a mobile network: a private Contact, reachable only through this connection to `hasty`.
    const contact = `<sip:agent-102@127.0.0.99:5061;transport=tls;pn-provider=apns;pn-prid=${token};pn-param=${push.apnsParam}>`;
    const phone = await TlsPhone.connect(hasty.running.transport.tlsPort, certificate.cert);
    try {
      const registered = await phone.register({ domain: kampot, user: agent102.username, password: agent102.password, contact, expires: 600 });
      assert.match(registered.startLine, /^SIP\/2\.0 200 /);
      const invite = await phone.next(8000);
      assert.match(invite.startLine, /^INVITE sip:agent-102@127\.0\.0\.99:5061;transport=tls;/);
      assert.equal(invite.headers.filter(([name]) => name.toLowerCase() === 'record-route').length, 2, 'relayed by the replica holding the connection');
      phone.answer(invite, '200 OK', ['Contact: <sip:agent-102@127.0.0.99:5061;transport=tls>', 'Content-Type: application/sdp'], 'v=0\r\no=app 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0\r\n');
      assert.match((await phone.next()).startLine, /^ACK /);
      const bye = await phone.next();
      assert.match(bye.startLine, /^BYE /);
      phone.answer(bye, '200 OK');
      ok(await caller, 'the caller is answered by the woken app');
      assert.equal(pushesTo(token).length, 1, 'exactly one push for the call');
    } finally {
      phone.close();
      // Even after a failure: the tests after this one expect agent-102 without bindings.
      await unregisterAll();
    }
  });

  test('no REGISTER after the push: the caller gets 480 once the registration timeout (2 s) is over', async () => {
    const token = deviceToken(0xb2);
    await registerAndSleep(hasty, token);
    const started = Date.now();
    ok(await runSipp({ scenario: callerExpecting(480, { to: pepperNumber }), remote: `127.0.0.1:${hasty.port}`, calls: 1 }), 'caller gets 480');
    const took = Date.now() - started;
    assert.ok(took >= 2000 && took < 6000, `480 came after ${took} ms`);
    assert.equal(pushesTo(token).length, 1, 'exactly one push');
    assert.equal(pushesTo(token)[0]?.status, 200);
    assert.equal(await observations(hasty, 'switchyard_worker_push_registration_wait_seconds', { result: 'timeout' }), 1);
    await unregisterAll();
  });

  test('an app whose flow a replica now gone held is still pushed: it registers anew through a running one', async () => {
    const token = deviceToken(0xb6);
    const gone = await startRegistrarWorker(registrarRouting(webhook.base), redis.url, { flowTokenKey, push: { serviceUrl: push.url, carrier: push.carrier, registrationTimeoutMs: 2000 } });
    const port = await freeUdpPort();
    // Behind NAT (its Contact is not where it registered from): rung only through the replica it registered with.
    const contact = `<sip:agent-102@127.0.0.99:${port};pn-provider=apns;pn-prid=${token};pn-param=${push.apnsParam}>`;
    ok(await runSipp({ scenario: phoneRegistering({ domain: kampot, ...agent102WithPassword, contact, expires: 600 }), remote: `127.0.0.1:${gone.port}`, localPort: port, calls: 1, extraArgs: ['-auth_uri', kampot] }), 'the app registers its push token');
    await gone.close();
    ok(await runSipp({ scenario: callerExpecting(480, { to: pepperNumber }), remote: `127.0.0.1:${hasty.port}`, calls: 1 }), 'caller gets 480 once nobody registered');
    assert.equal(pushesTo(token).length, 1, 'pushed, though its old flow\'s replica is gone');
    await unregisterAll();
  });

  test('an app asking to be woken through a push service the carrier has not got is refused with 555 on the wire', async () => {
    const phone = await UdpPhone.open(hasty.port);
    try {
      const refused = await phone.register({ domain: kampot, user: agent102.username, password: agent102.password, contact: '<sip:agent-102@127.0.0.1:5099;pn-provider=webpush;pn-prid=endpoint-1>', expires: 600 });
      assert.equal(refused.startLine, 'SIP/2.0 555 Push Notification Service Not Supported');
      assert.equal(refused.header('Feature-Caps'), '*;+sip.pns="apns,fcm"');
      assert.ok(!(await hasty.bindings(kampot, agent102.username)).some((binding) => binding.uri.includes('webpush')), 'not stored');
    } finally {
      phone.close();
    }
  });

  test('the caller cancels while the call waits for the phone: 487, and the wait stops', async () => {
    const token = deviceToken(0xb3);
    await registerAndSleep(patient, token);
    const lookups = () => observations(patient, 'switchyard_registrar_store_seconds', { operation: 'lookup' });
    // The caller hangs on a second after the ringing starts: the push is out and the call waits.
    const cancelling = callerCancelling({ to: pepperNumber }).replace('<recv response="180"/>', '<recv response="180"/>\n  <pause milliseconds="1000"/>');
    ok(await runSipp({ scenario: cancelling, remote: `127.0.0.1:${patient.port}`, calls: 1 }), 'caller cancels and gets 487');
    await eventually('the call has ended', () => (patient.running.worker.activeCalls === 0 ? true : undefined), 5000, 20);
    await sleep(300);
    const settled = await lookups();
    await sleep(800);
    assert.equal(await lookups(), settled, 'no more store lookups for the cancelled call');
    assert.equal(await observations(patient, 'switchyard_worker_push_registration_wait_seconds', { result: 'cancelled' }), 1);
    assert.equal(pushesTo(token).length, 1, 'exactly one push');
    await unregisterAll();
  });

  test('a token APNs no longer knows: 410 drops the binding, no wait, the caller gets 480 at once', async () => {
    const token = deviceToken(0xb4);
    await registerAndSleep(hasty, token);
    push.apns.unregister(token);
    const started = Date.now();
    ok(await runSipp({ scenario: callerExpecting(480, { to: pepperNumber }), remote: `127.0.0.1:${hasty.port}`, calls: 1 }), 'caller gets 480');
    assert.ok(Date.now() - started < 1800, 'no wait for a phone that cannot be woken');
    assert.deepEqual(await hasty.bindings(kampot, agent102.username), [], 'the binding was dropped');
    assert.equal(await hasty.metric('switchyard_worker_push_requests_total', { provider: 'apns', outcome: 'unregistered' }), 1);
  });

  describe('a user with a desk phone awake and an app asleep', () => {
    const deskContact = '<sip:agent-102@127.0.0.99:5062>';
    const answerSdp = 'v=0\r\no=desk 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';
    const waits = (result: string) => observations(patient, 'switchyard_worker_push_registration_wait_seconds', { result });
    const desks: UdpPhone[] = [];
    // Even after a failed check: no socket left to keep the test process alive, no binding left for the next test.
    afterEach(async () => {
      for (const desk of desks.splice(0)) desk.close();
      await unregisterAll();
    });

    /** The app registers its token and sleeps, the desk phone registers through `patient`, a call starts there: the INVITE the desk phone gets, rung. */
    async function bothRegisteredThenCalled(token: string, caller: string): Promise<{ desk: UdpPhone; invite: PhoneMessage; calling: Promise<SippResult> }> {
      await registerAndSleep(hasty, token);
      const desk = await UdpPhone.open(patient.port);
      desks.push(desk);
      const registered = await desk.register({ domain: kampot, user: agent102.username, password: agent102.password, contact: deskContact, expires: 300 });
      assert.match(registered.startLine, /^SIP\/2\.0 200 /);
      const calling = runSipp({ scenario: caller, remote: `127.0.0.1:${patient.port}`, calls: 1 });
      const invite = await desk.next();
      assert.match(invite.startLine, /^INVITE sip:agent-102@127\.0\.0\.99:5062 SIP\/2\.0$/);
      desk.answer(invite, '180 Ringing');
      // Within seconds of a 20 s <Dial>: the app is pushed while the desk phone rings, not after it rang out.
      await eventually('the app is pushed while the desk phone rings', () => (pushesTo(token).length > 0 ? true : undefined), 5000, 20);
      return { desk, invite, calling };
    }

    test('the woken app answers: the caller is connected to it and the desk phone is cancelled', async () => {
      const token = deviceToken(0xb7);
      const { desk, invite, calling } = await bothRegisteredThenCalled(token, callerAnswered({ to: pepperNumber }));
      // A REGISTER refreshing the desk phone meanwhile is not taken for the woken app.
      assert.match((await desk.register({ domain: kampot, user: agent102.username, password: agent102.password, contact: deskContact, expires: 300 })).startLine, /^SIP\/2\.0 200 /);
      const woken = await freeUdpPort();
      ok(await runSipp({ scenario: phoneRegistering({ domain: kampot, ...agent102WithPassword, contact: pushContact(woken, token), expires: 600 }), remote: `127.0.0.1:${hasty.port}`, localPort: woken, calls: 1, extraArgs: ['-auth_uri', kampot] }), 'the woken app registers');
      const callee = await startSippServer({ scenario: registeredPhoneAnswering(`sip:agent-102@127.0.0.1:${woken};pn-provider=apns;pn-prid=${token};pn-param=${push.apnsParam}`, `sip:agent-102@${kampot}`), localPort: woken, calls: 1 });
      try {
        ok(await calling, 'the caller is answered by the woken app');
        ok(await callee.exited, 'the woken app answers');
        const cancel = await desk.next();
        assert.match(cancel.startLine, /^CANCEL sip:agent-102@127\.0\.0\.99:5062 SIP\/2\.0$/, 'the desk phone stops ringing');
        desk.answer(cancel, '200 OK');
        desk.answer(invite, '487 Request Terminated');
        assert.match((await desk.next()).startLine, /^ACK /);
      } finally {
        await callee.stop();
      }
      assert.equal(pushesTo(token).length, 1, 'exactly one push for the call');
    });

    test('the desk phone answers while the app is being woken: the wait stops, and the app is never rung', async () => {
      const token = deviceToken(0xb8);
      const [cancelledBefore, registeredBefore] = [await waits('cancelled'), await waits('registered')];
      const { desk, invite, calling } = await bothRegisteredThenCalled(token, callerAnswered({ to: pepperNumber, holdMs: 300 }));
      desk.answer(invite, '200 OK', [`Contact: ${deskContact}`, 'Content-Type: application/sdp'], answerSdp);
      assert.match((await desk.next()).startLine, /^ACK /);
      const bye = await desk.next();
      assert.match(bye.startLine, /^BYE /);
      desk.answer(bye, '200 OK');
      ok(await calling, 'the caller is answered by the desk phone');
      await eventually('the wait for the app was cancelled', async () => ((await waits('cancelled')) === cancelledBefore + 1 ? true : undefined), 3000, 20);
      assert.equal(await waits('registered'), registeredBefore, 'no phone was rung as woken');
    });

    test('the desk phone declines with 603: the caller gets 603 and the wait for the app stops', async () => {
      const token = deviceToken(0xb9);
      const cancelledBefore = await waits('cancelled');
      const { desk, invite, calling } = await bothRegisteredThenCalled(token, callerExpecting(603, { to: pepperNumber }));
      desk.answer(invite, '603 Decline');
      assert.match((await desk.next()).startLine, /^ACK /);
      ok(await calling, 'the caller gets the decline');
      await eventually('the wait for the app was cancelled', async () => ((await waits('cancelled')) === cancelledBefore + 1 ? true : undefined), 3000, 20);
    });
  });
});
