// Calls placed through the worker's REST API (Twilio's Calls.json) with SIPp as the party rung
// and as the callee its TwiML dials: the party gets an INVITE with no offer and answers with its
// own, the account's webhook is asked with Direction outbound-api once it answered, the <Dial>
// callee gets the party's offer and its answer goes back in our ACK, and the status callback
// reports how the call ended. Requests are made as a Twilio helper library makes them: form
// parameters and Basic auth with the Account SID and auth token.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../../../testing/operator-process.ts';
import { AccountRateLimit } from '../../src/rest-api/account-rate-limit.ts';
import type { RoutingView } from '../../src/routing/routing-view.ts';
import { validateTwilioSignature } from '../../src/webhook/twilio-signature.ts';
import { apiRequest, startTestRestApi, TEST_CALL_LEDGER, workerCalls } from '../support/rest-api-client.ts';
import type { ApiAnswer, ApiCredentials, TestRestApi } from '../support/rest-api-client.ts';
import { calleeOfPlacedCall, partyBridged, partyRefused } from '../support/placed-call-scenarios.ts';
import { viewOf } from '../support/routing-view-of.ts';
import { calleeChallenging, calleeRefusing, calleeRingingUntilCancelled } from '../support/scenarios.ts';
import { sippMissing, startSippServer } from '../support/sipp.ts';
import type { SippResult } from '../support/sipp.ts';
import { startWebhookServer, twiml } from '../support/webhook-server.ts';
import type { WebhookHit } from '../support/webhook-server.ts';
import { startTestWorker } from '../support/worker-harness.ts';
import { freeFixturePorts, trunkCallPlatform, trunkCallRouting } from './trunk-call-fixture.ts';

const ok = (result: SippResult, what: string) => assert.equal(result.code, 0, `${what}: sipp exited ${result.code}\n${result.stderr.slice(-1500)}\n${result.stdout.slice(-2500)}`);
const param = (hit: WebhookHit, name: string) => hit.params.find(([key]) => key === name)?.[1];

describe('calls placed through the REST API', { skip: sippMissing, timeout: 120_000 }, () => {
  // A generous webhook timeout: the first TwiML fetch of a test process is not what these tests are about.
  const platform = trunkCallPlatform({ webhookTimeoutMs: 5000, callLedger: TEST_CALL_LEDGER });
  let view: RoutingView;
  let api: TestRestApi;
  let clinic: ApiCredentials;
  const clock = { ms: 0, stopped: false };

  /** POSTs Calls.json as a Twilio helper library does. */
  const createCall = (params: Record<string, string>, credentials: ApiCredentials = clinic, pathSid = credentials.sid): Promise<ApiAnswer> => apiRequest(api.base, 'POST', '/Calls.json', credentials, params, pathSid);

  /** The status callback of one call, once it came. */
  const statusOf = (callSid: string) => eventually(`status callback of ${callSid}`, () => platform.webhook.hits.find((hit) => hit.path === '/status' && param(hit, 'CallSid') === callSid), 10_000, 50);

  before(async () => {
    view = await viewOf(trunkCallRouting(platform.webhook.base, platform.ports));
    const sid = view.account('clinic')?.sid ?? '';
    clinic = { sid, token: view.authToken(sid) ?? '' };
    const { worker } = platform;
    // The rate limit's clock moves 10 s a request (no test is limited) until a test stops it.
    const rateLimit = new AccountRateLimit(1, () => (clock.stopped ? clock.ms : (clock.ms += 10_000)));
    api = await startTestRestApi({ routing: () => view, placer: worker.running.placer, calls: workerCalls(worker), rateLimit, metrics: worker.metrics });
  });
  after(() => api?.close());

  test('a number is rung through its outbound trunk with no offer; once it answers, the <Dial> callee gets its offer and the callee\'s answer goes back in our ACK', async () => {
    const callee = await startSippServer({ scenario: calleeOfPlacedCall(), calls: 1 });
    const party = await startSippServer({ scenario: partyBridged(400), localPort: platform.ports.primary, calls: 1 });
    platform.webhook.route('/placed-voice', twiml(`<Dial timeout="10"><Sip>sip:agent@127.0.0.1:${callee.port}</Sip></Dial>`));

    const created = await createCall({ To: '+85597000111', From: '+85523900100', Url: `${platform.webhook.base}/placed-voice`, StatusCallback: `${platform.webhook.base}/status` });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const callSid = String(created.body.sid);
    assert.match(callSid, /^CA[0-9a-f]{32}$/);
    assert.equal(created.body.status, 'queued');
    assert.equal(created.body.direction, 'outbound-api');
    assert.equal(created.body.account_sid, clinic.sid);
    assert.equal(created.body.uri, `/2010-04-01/Accounts/${clinic.sid}/Calls/${callSid}.json`);

    ok(await party.exited, 'the party');
    ok(await callee.exited, 'the callee');
    const voice = platform.webhook.hits.find((hit) => hit.path === '/placed-voice' && param(hit, 'CallSid') === callSid);
    assert.ok(voice, 'the TwiML was fetched for the call the API returned');
    assert.equal(param(voice, 'Direction'), 'outbound-api');
    assert.equal(param(voice, 'CallStatus'), 'in-progress', 'TwiML is asked for once the party answered');
    assert.equal(param(voice, 'To'), '+85597000111');
    assert.equal(param(voice, 'From'), '+85523900100');
    assert.ok(voice.signature && validateTwilioSignature(clinic.token, voice.signature, voice.url, voice.params), 'signed with the account\'s auth token');
    const status = await statusOf(callSid);
    assert.equal(param(status, 'CallStatus'), 'completed');
    assert.equal(param(status, 'Direction'), 'outbound-api');
    assert.equal(await platform.worker.metric('switchyard_placed_calls_total', { status: 'completed' }) >= 1, true);
  });

  test('StatusCallbackEvent asks for progress: initiated, ringing, answered (in-progress) and completed each posted once, signed and numbered in order', async () => {
    const callee = await startSippServer({ scenario: calleeOfPlacedCall(), calls: 1 });
    const party = await startSippServer({ scenario: partyBridged(200), localPort: platform.ports.primary, calls: 1 });
    const created = await createCall({
      To: '+85597000115', From: '+85523900100', StatusCallback: `${platform.webhook.base}/status`, StatusCallbackEvent: 'initiated ringing answered completed',
      Twiml: `<Response><Dial timeout="10"><Sip>sip:agent@127.0.0.1:${callee.port}</Sip></Dial></Response>`,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const callSid = String(created.body.sid);
    ok(await party.exited, 'the party');
    ok(await callee.exited, 'the callee');
    const progress = () => platform.webhook.hits.filter((hit) => hit.path === '/status' && param(hit, 'CallSid') === callSid);
    await eventually('four progress callbacks', () => progress().length >= 4, 10_000, 50);
    const bySequence = progress().sort((a, b) => Number(param(a, 'SequenceNumber')) - Number(param(b, 'SequenceNumber')));
    assert.deepEqual(bySequence.map((hit) => [param(hit, 'SequenceNumber'), param(hit, 'CallStatus')]), [['0', 'initiated'], ['1', 'ringing'], ['2', 'in-progress'], ['3', 'completed']]);
    for (const hit of bySequence) {
      assert.equal(param(hit, 'CallbackSource'), 'call-progress-events');
      assert.equal(param(hit, 'Direction'), 'outbound-api');
      assert.ok(hit.signature && validateTwilioSignature(clinic.token, hit.signature, hit.url, hit.params), `${param(hit, 'CallStatus')} is signed`);
    }
    await sleep(200);
    assert.equal(progress().length, 4, 'nothing posted twice');
  });

  test('TwiML that connects nobody refuses the party\'s offer in our ACK, hangs up, and reports the answered call completed', async () => {
    const party = await startSippServer({ scenario: partyRefused(), localPort: platform.ports.primary, calls: 1 });
    platform.webhook.route('/placed-hangup', twiml('<Hangup/>'));
    const created = await createCall({ To: '+85597000112', From: '+85523900100', Url: `${platform.webhook.base}/placed-hangup`, StatusCallback: `${platform.webhook.base}/status` });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    ok(await party.exited, 'the party');
    const status = await statusOf(String(created.body.sid));
    assert.equal(param(status, 'CallStatus'), 'completed');
    assert.equal(param(status, 'SipResponseCode'), '200');
  });

  test('a TimeLimit ends the call that long after the party answered, whatever its TwiML is doing', async () => {
    const party = await startSippServer({ scenario: partyRefused(), localPort: platform.ports.primary, calls: 1 });
    const created = await createCall({ To: '+85597000114', From: '+85523900100', Twiml: '<Response><Pause length="20"/></Response>', TimeLimit: '1', StatusCallback: `${platform.webhook.base}/status` });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const started = performance.now();
    ok(await party.exited, 'the party (hung up on)');
    const heldMs = performance.now() - started;
    assert.ok(heldMs >= 900 && heldMs < 5000, `hung up at the time limit, not after the 20 s pause (${heldMs.toFixed(0)} ms)`);
    const status = await statusOf(String(created.body.sid));
    assert.equal(param(status, 'CallStatus'), 'completed', 'answered, then ended');
  });

  test('inline Twiml runs without any fetch: its <Dial> bridges the party to the callee', async () => {
    const callee = await startSippServer({ scenario: calleeOfPlacedCall(), calls: 1 });
    const party = await startSippServer({ scenario: partyBridged(200), localPort: platform.ports.primary, calls: 1 });
    const created = await createCall({ To: '+85597000114', From: '+85523900100', Twiml: `<Response><Dial timeout="10"><Sip>sip:agent@127.0.0.1:${callee.port}</Sip></Dial></Response>`, StatusCallback: `${platform.webhook.base}/status` });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    ok(await party.exited, 'the party');
    ok(await callee.exited, 'the callee');
    const callSid = String(created.body.sid);
    assert.equal(param(await statusOf(callSid), 'CallStatus'), 'completed');
    assert.deepEqual(platform.webhook.hits.filter((hit) => param(hit, 'CallSid') === callSid).map((hit) => hit.path), ['/status'], 'nothing but the status callback was requested');
  });

  test('a busy party: no TwiML is fetched, and the status callback says busy with its 486', async () => {
    const party = await startSippServer({ scenario: calleeRefusing(486, 'Busy Here'), localPort: platform.ports.primary, calls: 1 });
    platform.webhook.route('/never', twiml('<Hangup/>'));
    const created = await createCall({ To: '+85597000113', From: '+85523900100', Url: `${platform.webhook.base}/never`, StatusCallback: `${platform.webhook.base}/status` });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    ok(await party.exited, 'the party');
    const status = await statusOf(String(created.body.sid));
    assert.equal(param(status, 'CallStatus'), 'busy');
    assert.equal(param(status, 'SipResponseCode'), '486');
    assert.equal(platform.webhook.hits.some((hit) => hit.path === '/never'), false, 'nobody answered, so no TwiML was asked for');
  });

  test('a SIP URI To is rung directly, and its digest challenge answered with SipAuthUsername and SipAuthPassword (the Bandwidth network bridge)', async () => {
    const party = await startSippServer({ scenario: calleeChallenging('custxx.auth.bandwidth.com', 'sipauthtest', 'password'), calls: 1 });
    platform.webhook.route('/bridge', twiml('<Hangup/>'));
    const created = await createCall({
      To: `sip:+17778889999@127.0.0.1:${party.port}`, From: '+85523900100', Url: `${platform.webhook.base}/bridge`,
      SipAuthUsername: 'sipauthtest', SipAuthPassword: 'password', StatusCallback: `${platform.webhook.base}/status`,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    ok(await party.exited, 'the party (403 unless the digest verified)');
    const status = await statusOf(String(created.body.sid));
    assert.equal(param(status, 'CallStatus'), 'completed', 'the party answered after the challenge');
  });

  test('requests are refused as Twilio refuses them: bad credentials 401, an inactive account 403, missing parameters 400 with Twilio\'s codes', async () => {
    const wrongToken = await createCall({ To: '+85597000111', From: '+85523900100', Url: 'https://example.test/voice' }, { sid: clinic.sid, token: 'not-the-token' });
    assert.equal(wrongToken.status, 401);
    assert.equal(wrongToken.body.code, 20003);
    assert.match(wrongToken.headers.get('www-authenticate') ?? '', /^Basic /);

    const otherPath = await createCall({ To: '+85597000111', From: '+85523900100', Url: 'https://example.test/voice' }, clinic, `AC${'0'.repeat(32)}`);
    assert.equal(otherPath.status, 401, 'the credentials are for another account than the path names');

    const closedSid = view.account('closed')?.sid ?? '';
    const closed = await createCall({ To: '+85597000111', From: '+85523900100', Url: 'https://example.test/voice' }, { sid: closedSid, token: view.authToken(closedSid) ?? '' });
    assert.equal(closed.status, 403);
    assert.equal(closed.body.code, 20005);

    assert.equal((await createCall({ From: '+85523900100', Url: 'https://example.test/voice' })).body.code, 21201);
    assert.equal((await createCall({ To: '+85597000111', Url: 'https://example.test/voice' })).body.code, 21213);
    const noUrl = await createCall({ To: '+85597000111', From: '+85523900100' });
    assert.equal(noUrl.status, 400);
    assert.equal(noUrl.body.code, 21205);
    assert.equal(noUrl.body.more_info, 'https://www.twilio.com/docs/errors/21205');

    // From must be an enabled number of the account's own: not another account's, not a disabled one, not one nobody has.
    for (const from of ['+85523900102', '+85523900103', '+85599999999']) {
      const spoofed = await createCall({ To: '+85597000111', From: from, Url: 'https://example.test/voice' });
      assert.equal(spoofed.status, 400, `From ${from}`);
      assert.equal(spoofed.body.code, 21210, `From ${from}`);
    }
    assert.equal((await createCall({ To: '+85597000111', From: '023900102', Url: 'https://example.test/voice' })).body.code, 21210, 'national form is read as the carrier reads numbers');

    const listing = await fetch(`${api.base}/2010-04-01/Accounts/${clinic.sid}/Calls.json`);
    assert.equal(listing.status, 401, 'listing calls needs the account\'s credentials too');
    const deleting = await fetch(`${api.base}/2010-04-01/Accounts/${clinic.sid}/Calls.json`, { method: 'DELETE' });
    assert.equal(deleting.status, 405);
    assert.equal((await fetch(`${api.base}/metrics`)).status, 404, 'the REST API port serves no metrics');
  });

  test('an account placing calls faster than the carrier allows gets 429 with Twilio\'s 20429 and Retry-After, past a burst of twice the rate', async () => {
    clock.stopped = true;
    const flakySid = view.account('flaky')?.sid ?? '';
    const flaky = { sid: flakySid, token: view.authToken(flakySid) ?? '' };
    // To a trunk whose far end is silent: each placed call just fails after the progress timeout.
    const place = () => createCall({ To: '+17778889999', From: '+85523900102', Twiml: '<Response><Hangup/></Response>' }, flaky);
    assert.equal((await place()).status, 201);
    assert.equal((await place()).status, 201);
    const limited = await place();
    assert.equal(limited.status, 429);
    assert.equal(limited.body.code, 20429);
    assert.equal(limited.headers.get('retry-after'), '1');
    clock.ms += 1000;
    assert.equal((await place()).status, 201, 'a second later the bucket holds one call again');
    clock.stopped = false;
  });
});

describe('a worker stopping while a placed call\'s party still rings', { skip: sippMissing, timeout: 60_000 }, () => {
  test('the party gets a CANCEL (and its 487 an ACK) rather than an INVITE nobody will answer for', async () => {
    const webhook = await startWebhookServer();
    const ports = await freeFixturePorts();
    const texts = trunkCallRouting(webhook.base, ports);
    const worker = await startTestWorker(texts);
    try {
      const party = await startSippServer({ scenario: calleeRingingUntilCancelled(), localPort: ports.primary, calls: 1 });
      const view = await viewOf(texts);
      const sid = view.account('clinic')?.sid ?? '';
      const placed = worker.running.placer.place(view, { account: { name: 'clinic', sid, authToken: view.authToken(sid) ?? '' }, to: '+85597000111', from: '+85523900100', twiml: undefined, voice: { url: `${webhook.base}/never`, method: 'POST' }, timeoutSeconds: 60 });
      await eventually('the party rings', () => worker.running.placer.ringing === 1, 5000, 20);
      await worker.close();
      ok(await party.exited, 'the party (it waits for a CANCEL)');
      await placed.done;
      assert.equal(worker.running.placer.ringing, 0);
    } finally {
      await worker.close();
      await webhook.close();
    }
  });
});

