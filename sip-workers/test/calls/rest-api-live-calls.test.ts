// Calls fetched and ended through the worker's REST API (Twilio's Call resource: GET and POST
// …/Calls/{Sid}.json), with SIPp as every party: a call that came in and was bridged is hung up on
// both sides, one still ringing is cancelled, a placed call is fetched as it goes and ended, and
// Status=canceled leaves an answered call be, as Twilio's does. Requests are made as a Twilio
// helper library makes them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../../../testing/operator-process.ts';
import type { RoutingView } from '../../src/routing/routing-view.ts';
import { partyRefused } from '../support/placed-call-scenarios.ts';
import { apiRequest, startTestRestApi, TEST_CALL_LEDGER, workerCalls } from '../support/rest-api-client.ts';
import type { ApiAnswer, ApiCredentials, TestRestApi } from '../support/rest-api-client.ts';
import { viewOf } from '../support/routing-view-of.ts';
import { calleeAnswering, calleeHangingUp, calleeRingingUntilCancelled, callerExpecting, callerHungUpOn } from '../support/scenarios.ts';
import { runSipp, sippMissing, startSippServer } from '../support/sipp.ts';
import type { SippResult } from '../support/sipp.ts';
import { twiml } from '../support/webhook-server.ts';
import type { WebhookHit } from '../support/webhook-server.ts';
import { numbers, trunkCallPlatform, trunkCallRouting } from './trunk-call-fixture.ts';

const ok = (result: SippResult, what: string) => assert.equal(result.code, 0, `${what}: sipp exited ${result.code}\n${result.stderr.slice(-1500)}\n${result.stdout.slice(-2500)}`);
const param = (hit: WebhookHit, name: string) => hit.params.find(([key]) => key === name)?.[1];

describe('live calls through the REST API', { skip: sippMissing, timeout: 120_000 }, () => {
  const platform = trunkCallPlatform({ webhookTimeoutMs: 5000, callLedger: TEST_CALL_LEDGER });
  let view: RoutingView;
  let api: TestRestApi;
  let clinic: ApiCredentials;

  const fetchCall = (callSid: string, credentials = clinic): Promise<ApiAnswer> => apiRequest(api.base, 'GET', `/Calls/${callSid}.json`, credentials);
  const updateCall = (callSid: string, params: Record<string, string>, credentials = clinic): Promise<ApiAnswer> => apiRequest(api.base, 'POST', `/Calls/${callSid}.json`, credentials, params);
  const voiceHits = () => platform.webhook.hits.filter((hit) => hit.path === '/voice');
  /** The SID the voice webhook was given for the next call in: its first request after the `seen` before. */
  const nextInboundSid = async (seen: number) => param(await eventually('the voice webhook', () => voiceHits()[seen], 10_000, 20), 'CallSid') ?? '';
  const statusOf = (callSid: string) => eventually(`status callback of ${callSid}`, () => platform.webhook.hits.find((hit) => hit.path === '/status' && param(hit, 'CallSid') === callSid), 10_000, 50);
  const fetchedStatus = async (callSid: string) => String((await fetchCall(callSid)).body.status);
  /** A call come in that its <Dial> connected to a SIPp callee; both parties wait for our BYE. */
  const bridgedInboundCall = async () => {
    const callee = await startSippServer({ scenario: calleeAnswering(), calls: 1 });
    platform.webhook.route('/voice', twiml(`<Dial><Sip>sip:front-desk@127.0.0.1:${callee.port}</Sip></Dial>`));
    const seen = voiceHits().length;
    const caller = runSipp({ scenario: callerHungUpOn({ to: numbers.clinic }), remote: platform.remote, calls: 1 });
    const callSid = await nextInboundSid(seen);
    await eventually('the call bridged', async () => (await fetchedStatus(callSid)) === 'in-progress', 10_000, 20);
    return { callee, caller, callSid };
  };

  before(async () => {
    view = await viewOf(trunkCallRouting(platform.webhook.base, platform.ports));
    const sid = view.account('clinic')?.sid ?? '';
    clinic = { sid, token: view.authToken(sid) ?? '' };
    api = await startTestRestApi({ routing: () => view, placer: platform.worker.running.placer, calls: workerCalls(platform.worker), metrics: platform.worker.metrics });
  });
  after(() => api?.close());

  test('a call that came in is fetched ringing, then in-progress once bridged; Status=completed hangs up both sides and it reads completed with its duration', async () => {
    const { callee, caller, callSid } = await bridgedInboundCall();
    const live = await fetchCall(callSid);
    assert.equal(live.status, 200);
    assert.equal(live.body.direction, 'inbound');
    assert.equal(live.body.to, numbers.clinic);
    assert.equal(live.body.account_sid, clinic.sid);
    assert.equal(live.body.end_time, null);
    assert.equal(live.body.duration, null, 'no duration while it lasts');
    const children = await apiRequest(api.base, 'GET', `/Calls.json?ParentCallSid=${callSid}`, clinic);
    assert.equal((children.body.calls as unknown[]).length, 1, 'the one call its <Dial> made');
    const child = (children.body.calls as Array<Record<string, unknown>>)[0] ?? {};
    assert.equal(child.direction, 'outbound-dial');
    assert.equal(child.parent_call_sid, callSid);
    assert.equal(child.to, `sip:front-desk@127.0.0.1:${callee.port}`);
    assert.equal(child.status, 'in-progress');

    const ended = await updateCall(callSid, { Status: 'completed' });
    assert.equal(ended.status, 200, JSON.stringify(ended.body));
    assert.equal(ended.body.status, 'completed', 'the answer says how the call ended');
    ok(await caller, 'the caller (it waits for our BYE)');
    ok(await callee.exited, 'the callee (it waits for our BYE)');
    const fetched = await fetchCall(callSid);
    assert.equal(fetched.body.status, 'completed');
    assert.match(String(fetched.body.duration), /^[1-9][0-9]*$/, 'answered seconds, rounded up');
    assert.match(String(fetched.body.end_time), / \+0000$/);
    assert.equal(param(await statusOf(callSid), 'CallStatus'), 'completed');
    const childEnded = await fetchCall(String(child.sid));
    assert.equal(childEnded.body.status, 'completed', 'the call its <Dial> made ended with it');
    assert.equal(childEnded.body.parent_call_sid, callSid);
  });

  test('a call that came in and is still ringing: Status=canceled gives the caller 487, and it reads canceled', async () => {
    platform.webhook.route('/voice', twiml('<Pause length="8"/>'));
    const seen = voiceHits().length;
    const caller = runSipp({ scenario: callerExpecting(487, { to: numbers.clinic }), remote: platform.remote, calls: 1 });
    const callSid = await nextInboundSid(seen);
    assert.equal(await fetchedStatus(callSid), 'ringing');
    const cancelled = await updateCall(callSid, { Status: 'canceled' });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.status, 'canceled');
    ok(await caller, 'the caller (it expects 487)');
    assert.equal(param(await statusOf(callSid), 'CallStatus'), 'canceled');
  });

  test('ending the call a <Dial> is still ringing stops the ringing: the callee gets a CANCEL, the caller the <Dial>\'s failure, and both read ended', async () => {
    const callee = await startSippServer({ scenario: calleeRingingUntilCancelled(), calls: 1 });
    platform.webhook.route('/voice', twiml(`<Dial timeout="20"><Sip>sip:back-office@127.0.0.1:${callee.port}</Sip></Dial>`));
    const seen = voiceHits().length;
    const caller = runSipp({ scenario: callerExpecting(487, { to: numbers.clinic }), remote: platform.remote, calls: 1 });
    const callSid = await nextInboundSid(seen);
    const child = await eventually('the call the <Dial> makes, ringing', async () => {
      const listed = (await apiRequest(api.base, 'GET', `/Calls.json?ParentCallSid=${callSid}&Status=ringing`, clinic)).body.calls as Array<{ sid: string }>;
      return listed[0]?.sid;
    }, 10_000, 20);
    const ended = await updateCall(child, { Status: 'canceled' });
    assert.equal(ended.status, 200, JSON.stringify(ended.body));
    assert.equal(ended.body.status, 'canceled');
    ok(await callee.exited, 'the callee (CANCELled, its 487 ACKed)');
    ok(await caller, 'the caller (the <Dial> failed, and the document ended)');
    // The caller was refused with the <Dial>'s 487; nobody cancelled the call itself.
    assert.equal(param(await statusOf(callSid), 'CallStatus'), 'failed');
    assert.equal(await fetchedStatus(child), 'canceled');
  });

  test('a call held in a <Pause> is redirected: to TwiML given in the request, whose <Dial> connects it; to a URL, which is asked with the call\'s parameters', async () => {
    const callee = await startSippServer({ scenario: calleeHangingUp(300), calls: 1 });
    platform.webhook.route('/voice', twiml('<Pause length="20"/>'));
    let seen = voiceHits().length;
    const held = runSipp({ scenario: callerHungUpOn({ to: numbers.clinic }), remote: platform.remote, calls: 1 });
    let callSid = await nextInboundSid(seen);
    const movedAt = performance.now();
    const moved = await updateCall(callSid, { Twiml: `<Response><Dial><Sip>sip:agent@127.0.0.1:${callee.port}</Sip></Dial></Response>` });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal(moved.body.sid, callSid);
    ok(await callee.exited, 'the agent');
    assert.ok(performance.now() - movedAt < 10_000, 'rung at once, not after the 20 s pause');
    ok(await held, 'the caller (connected to the agent, who hung up)');
    assert.equal(await fetchedStatus(callSid), 'completed');

    platform.webhook.route('/moved', twiml('<Reject reason="busy"/>'));
    seen = voiceHits().length;
    const busy = runSipp({ scenario: callerExpecting(486, { to: numbers.clinic }), remote: platform.remote, calls: 1 });
    callSid = await nextInboundSid(seen);
    const toUrl = await updateCall(callSid, { Url: `${platform.webhook.base}/moved`, Method: 'POST' });
    assert.equal(toUrl.status, 200, JSON.stringify(toUrl.body));
    ok(await busy, 'the caller (busy, from the new URL\'s TwiML)');
    const asked = platform.webhook.hits.find((hit) => hit.path === '/moved' && param(hit, 'CallSid') === callSid);
    assert.ok(asked, 'the new URL was asked about this call');
    assert.equal(param(asked, 'From'), '+85512000111');
  });

  test('a call ringing a <Dial> is redirected: the callee gets a CANCEL, the <Dial action> is not asked, and the new TwiML runs', async () => {
    const callee = await startSippServer({ scenario: calleeRingingUntilCancelled(), calls: 1 });
    platform.webhook.route('/voice', twiml(`<Dial timeout="20" action="/after-ringing"><Sip>sip:busy-agent@127.0.0.1:${callee.port}</Sip></Dial>`));
    const seen = voiceHits().length;
    const caller = runSipp({ scenario: callerExpecting(486, { to: numbers.clinic }), remote: platform.remote, calls: 1 });
    const callSid = await nextInboundSid(seen);
    await eventually('the <Dial> ringing', async () => {
      const children = (await apiRequest(api.base, 'GET', `/Calls.json?ParentCallSid=${callSid}&Status=ringing`, clinic)).body.calls as unknown[];
      return children.length === 1;
    }, 10_000, 20);
    const movedAt = performance.now();
    const moved = await updateCall(callSid, { Twiml: '<Response><Reject reason="busy"/></Response>' });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    ok(await callee.exited, 'the callee (CANCELled, its 487 ACKed)');
    ok(await caller, 'the caller (busy, from the TwiML it was moved to)');
    assert.ok(performance.now() - movedAt < 10_000, 'at once, not after the <Dial>\'s 20 s');
    assert.equal(platform.webhook.hits.some((hit) => hit.path === '/after-ringing'), false, 'the <Dial action> is not asked');
  });

  test('a call connected by a <Dial> is not redirected: 400 with Twilio\'s 21220, and it goes on', async () => {
    const { callee, caller, callSid } = await bridgedInboundCall();
    const refused = await updateCall(callSid, { Twiml: '<Response><Hangup/></Response>' });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.code, 21220);
    assert.match(String(refused.body.message), /connected/);
    assert.equal(await fetchedStatus(callSid), 'in-progress');
    await updateCall(callSid, { Status: 'completed' });
    ok(await caller, 'the caller');
    ok(await callee.exited, 'the callee');
  });

  test('a placed call is fetched as it goes; Status=canceled leaves it be once answered, Status=completed ends it', async () => {
    const party = await startSippServer({ scenario: partyRefused(), localPort: platform.ports.primary, calls: 1 });
    const created = await apiRequest(api.base, 'POST', '/Calls.json', clinic, { To: '+85597000211', From: numbers.clinic, Twiml: '<Response><Pause length="8"/></Response>', StatusCallback: `${platform.webhook.base}/status` });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const callSid = String(created.body.sid);
    assert.equal(created.body.start_time, null, 'queued: not dialed yet');

    await eventually('the party answered', async () => (await fetchedStatus(callSid)) === 'in-progress', 10_000, 20);
    const answered = await fetchCall(callSid);
    assert.equal(answered.body.direction, 'outbound-api');
    assert.match(String(answered.body.start_time), / \+0000$/);

    const untouched = await updateCall(callSid, { Status: 'canceled' });
    assert.equal(untouched.status, 200);
    assert.equal(untouched.body.status, 'in-progress', 'canceled does not end an answered call');
    await sleep(300);
    assert.equal(await fetchedStatus(callSid), 'in-progress', 'nor a moment later');

    const ended = await updateCall(callSid, { Status: 'completed' });
    assert.equal(ended.body.status, 'completed');
    ok(await party.exited, 'the party (our ACK refuses its offer, then our BYE)');
    assert.equal(param(await statusOf(callSid), 'CallStatus'), 'completed');
  });

  test('a placed call\'s party still ringing: Status=canceled CANCELs it, no other trunk is tried, and it reads canceled', async () => {
    const party = await startSippServer({ scenario: calleeRingingUntilCancelled(), localPort: platform.ports.primary, calls: 1 });
    const created = await apiRequest(api.base, 'POST', '/Calls.json', clinic, { To: '+85597000212', From: numbers.clinic, Twiml: '<Response><Hangup/></Response>', StatusCallback: `${platform.webhook.base}/status` });
    const callSid = String(created.body.sid);
    await eventually('the party rings', async () => (await fetchedStatus(callSid)) === 'ringing', 10_000, 20);
    const cancelled = await updateCall(callSid, { Status: 'canceled' });
    assert.equal(cancelled.body.status, 'canceled', JSON.stringify(cancelled.body));
    ok(await party.exited, 'the party (it waits for a CANCEL)');
    const status = await statusOf(callSid);
    assert.equal(param(status, 'CallStatus'), 'canceled', 'the secondary trunk would have failed the call, not cancelled it');
    assert.equal(String((await fetchCall(callSid)).body.duration), '0');
  });

  test('the account\'s calls are listed newest first, in pages a helper library follows, filtered by To and Status, and no other account\'s', async () => {
    const flakySid = view.account('flaky')?.sid ?? '';
    const flaky = { sid: flakySid, token: view.authToken(flakySid) ?? '' };
    const placed: string[] = [];
    for (const to of ['+17770000001', '+17770000002', '+17770000003']) {
      const created = await apiRequest(api.base, 'POST', '/Calls.json', flaky, { To: to, From: numbers.flaky, Twiml: '<Response><Hangup/></Response>' });
      placed.push(String(created.body.sid));
      await sleep(2);
    }
    const first = await apiRequest(api.base, 'GET', '/Calls.json?PageSize=2', flaky);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const sids = (page: ApiAnswer) => (page.body.calls as Array<{ sid: string }>).map((listed) => listed.sid);
    assert.deepEqual(sids(first), [placed[2], placed[1]], 'newest first');
    assert.equal(first.body.previous_page_uri, null);
    const next = await fetch(`${api.base}${String(first.body.next_page_uri)}`, { headers: { authorization: `Basic ${Buffer.from(`${flaky.sid}:${flaky.token}`).toString('base64')}` } });
    const second = { status: next.status, body: (await next.json()) as Record<string, unknown>, headers: next.headers };
    assert.deepEqual(sids(second), [placed[0]]);
    assert.equal(second.body.next_page_uri, null);

    assert.deepEqual(sids(await apiRequest(api.base, 'GET', `/Calls.json?To=${encodeURIComponent('+17770000002')}`, flaky)), [placed[1]]);
    assert.deepEqual(sids(await apiRequest(api.base, 'GET', '/Calls.json?Status=busy', flaky)), []);
    const clinicCalls = sids(await apiRequest(api.base, 'GET', '/Calls.json?PageSize=1000', clinic));
    assert.equal(clinicCalls.some((sid) => placed.includes(sid)), false, 'another account\'s calls are not listed');
    assert.equal((await apiRequest(api.base, 'GET', '/Calls.json?Status=answered', flaky)).body.code, 20001);
    for (const sid of placed) await updateCall(sid, { Status: 'completed' }, flaky);
  });

  test('a call is only the account\'s own: another\'s or none is 404; a redirect while the party rings is refused with 400, as is a Status it cannot take', async () => {
    const created = await apiRequest(api.base, 'POST', '/Calls.json', clinic, { To: '+17778889999', From: numbers.clinic, Twiml: '<Response><Hangup/></Response>' });
    const callSid = String(created.body.sid);
    const flakySid = view.account('flaky')?.sid ?? '';
    const flaky = { sid: flakySid, token: view.authToken(flakySid) ?? '' };
    const other = await fetchCall(callSid, flaky);
    assert.equal(other.status, 404, 'another account\'s call is not found, not forbidden');
    assert.equal(other.body.code, 20404);
    assert.equal((await updateCall(callSid, { Status: 'completed' }, flaky)).status, 404);
    assert.equal((await fetchCall(`CA${'0'.repeat(32)}`)).status, 404);

    const redirect = await updateCall(callSid, { Url: 'https://example.test/elsewhere' });
    assert.equal(redirect.status, 400, 'its party is still ringing: no TwiML runs yet to replace');
    assert.equal(redirect.body.code, 21220);
    assert.match(String(redirect.body.message), /ringing/);
    const both = await updateCall(callSid, { Status: 'completed', Url: 'https://example.test/elsewhere' });
    assert.equal(both.body.code, 20001, 'ending and moving at once is refused');
    const status = await updateCall(callSid, { Status: 'ringing' });
    assert.equal(status.status, 400);
    assert.match(String(status.body.message), /completed or canceled/);

    const wrongToken = await fetchCall(callSid, { sid: clinic.sid, token: 'not-the-token' });
    assert.equal(wrongToken.status, 401);
    const deleted = await fetch(`${api.base}/2010-04-01/Accounts/${clinic.sid}/Calls/${callSid}.json`, { method: 'DELETE' });
    assert.equal(deleted.status, 405);
    assert.equal(deleted.headers.get('allow'), 'GET, POST');
    await updateCall(callSid, { Status: 'completed' });
  });
});
