// The carrier's event webhook: SIPp calls through a running worker whose Carrier sets
// spec.eventWebhook, and a local server as the carrier's receiver, which checks each POST's
// bearer token as a Somleng webhook receiver would (HS256 with the signing secret, iss, exp).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { INLINE_TWIML_URL } from '../../src/calls/inline-twiml.ts';
import { parseTwiml } from '../../src/twiml/parse-twiml.ts';
import type { TwimlDocument } from '../../src/twiml/twiml-verbs.ts';
import { bearerToken, verifiedClaims, type EventBody } from '../support/carrier-event-receiver.ts';
import type { RoutingTexts } from '../support/routing-fixture.ts';
import { runSipp, sippMissing, startSippServer } from '../support/sipp.ts';
import type { SippResult } from '../support/sipp.ts';
import { calleeAnswering, calleeRefusing, callerAnswered, callerExpecting } from '../support/scenarios.ts';
import { calleeOfPlacedCall, partyBridged } from '../support/placed-call-scenarios.ts';
import { viewOf } from '../support/routing-view-of.ts';
import { startWebhookServer, twiml } from '../support/webhook-server.ts';
import type { WebhookHit, WebhookServer } from '../support/webhook-server.ts';
import { startTestWorker } from '../support/worker-harness.ts';
import type { TestWorker } from '../support/worker-harness.ts';
import { freeFixturePorts, numbers, trunkCallRouting } from './trunk-call-fixture.ts';

/** TwiML given with the request, as Calls.json's Twiml parameter is read. */
function inlineTwiml(text: string): TwimlDocument {
  const parsed = parseTwiml(text, INLINE_TWIML_URL);
  assert.ok(parsed.ok);
  return parsed.document;
}

const ok = (result: SippResult, what: string) => assert.equal(result.code, 0, `${what}: sipp exited ${result.code}\n${result.stderr.slice(-1500)}\n${result.stdout.slice(-1500)}`);

describe('the carrier\'s event webhook', { skip: sippMissing, timeout: 120_000 }, () => {
  let webhook: WebhookServer;
  let worker: TestWorker;
  let routing: RoutingTexts;
  const ports = { primary: 0, secondary: 0, digest: 0 };
  const dialPstn = twiml('<Dial timeout="10"><Number>+85597000111</Number></Dial>');
  /** How the receiver answers the next POSTs, in turn; 200 once they run out. */
  const answers: number[] = [];

  before(async () => {
    webhook = await startWebhookServer();
    Object.assign(ports, await freeFixturePorts());
    routing = trunkCallRouting(webhook.base, ports, `${webhook.base}/carrier-events`);
    // Retries a few milliseconds apart, so the test sees a receiver recover without waiting seconds.
    worker = await startTestWorker(routing, { eventDelivery: { timeoutMs: 2000, retryDelaysMs: [50, 100, 200], maxPending: 100, concurrency: 4 } });
    webhook.route('/status', (_hit, response) => void response.writeHead(204).end());
    webhook.route('/carrier-events', (_hit, response) => void response.writeHead(answers.shift() ?? 200).end());
  });
  after(async () => {
    await worker.close();
    await webhook.close();
  });

  const remote = () => `127.0.0.1:${worker.port}`;
  const signingSecret = () => (JSON.parse(routing.secrets) as { eventWebhookSigningSecret?: string }).eventWebhookSigningSecret ?? '';
  const eventPosts = () => webhook.hits.filter((hit) => hit.path === '/carrier-events');

  async function nextEvents(count: number, before: number): Promise<WebhookHit[]> {
    const deadline = Date.now() + 10_000;
    while (eventPosts().length < before + count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return eventPosts().slice(before);
  }

  test('an answered call\'s phone_call.completed event is signed with the carrier\'s secret and says which trunks carried it, for how long', async () => {
    webhook.route('/voice', dialPstn);
    const seen = eventPosts().length;
    const trunk = await startSippServer({ scenario: calleeAnswering(), localPort: ports.primary, calls: 1 });
    ok(await runSipp({ scenario: callerAnswered({ to: numbers.clinic, holdMs: 1200 }), remote: remote(), calls: 1 }), 'caller');
    ok(await trunk.exited, 'trunk UAS');
    const [post, ...more] = await nextEvents(1, seen);
    assert.ok(post, 'the event was posted');
    assert.equal(more.length, 0, 'one event for one call');
    assert.equal(post.method, 'POST');
    assert.equal(post.headers['content-type'], 'application/json');
    const token = bearerToken(post.headers.authorization);
    const claims = verifiedClaims(token, signingSecret());
    assert.equal(typeof claims, 'object', `the bearer token verifies with the signing secret: ${typeof claims === 'string' ? claims : ''}`);
    const { iss, exp } = claims as { iss?: string; exp?: number };
    assert.equal(iss, 'Switchyard');
    assert.ok(typeof exp === 'number' && exp > Date.now() / 1000 && exp <= Date.now() / 1000 + 300, `exp within 5 minutes: ${exp}`);
    assert.equal(typeof verifiedClaims(token, `${signingSecret()}x`), 'string', 'another secret does not verify it');

    const event = JSON.parse(post.body) as EventBody;
    assert.equal(event.data.type, 'event');
    assert.equal(event.data.attributes.type, 'phone_call.completed');
    const call = event.data.attributes.details.data;
    const voice = webhook.hits.findLast((hit) => hit.path === '/voice');
    const voiceParams = new Map(voice?.params);
    assert.equal(call.type, 'phone_call');
    assert.equal(call.id, voiceParams.get('CallSid'), 'the event names the call by the CallSid its webhook got');
    assert.deepEqual(call.relationships.account.data, { id: voiceParams.get('AccountSid'), type: 'account' });
    const attributes = call.attributes;
    assert.equal(attributes.to, numbers.clinic);
    assert.equal(attributes.direction, 'inbound');
    assert.equal(attributes.status, 'completed');
    assert.equal(attributes.sip_response_code, 200);
    assert.equal(attributes.inbound_trunk, 'sbc');
    assert.deepEqual(attributes.callee, { type: 'outbound_trunk', outbound_trunk: 'primary', number: '+85597000111' });
    assert.equal(attributes.hangup_by, 'caller');
    const answeredMs = Date.parse(attributes.ended_at) - Date.parse(attributes.answered_at ?? '');
    assert.ok(answeredMs >= 1100 && answeredMs < 5000, `answered for the caller's 1.2 s hold: ${answeredMs} ms`);
    assert.equal(attributes.duration, Math.ceil(answeredMs / 1000), 'duration: answered seconds, a started second counted');
    assert.ok(Date.parse(attributes.started_at) <= Date.parse(attributes.answered_at ?? ''));
    // The receiver recorded the POST before its answer reached the worker, which counts it then.
    const deadline = Date.now() + 5000;
    while (await worker.metric('switchyard_carrier_events_total', { outcome: 'delivered' }) < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(await worker.metric('switchyard_carrier_events_total', { outcome: 'delivered' }), 1);
  });

  test('a busy callee\'s call is reported busy, never answered, with no callee', async () => {
    webhook.route('/voice', dialPstn);
    const seen = eventPosts().length;
    const trunk = await startSippServer({ scenario: calleeRefusing(486, 'Busy Here'), localPort: ports.primary, calls: 1 });
    ok(await runSipp({ scenario: callerExpecting(486, { to: numbers.clinic }), remote: remote(), calls: 1 }), 'caller');
    ok(await trunk.exited, 'trunk UAS');
    const [post] = await nextEvents(1, seen);
    assert.ok(post, 'the event was posted');
    const attributes = (JSON.parse(post.body) as EventBody).data.attributes.details.data.attributes;
    assert.equal(attributes.status, 'busy');
    assert.equal(attributes.sip_response_code, 486);
    assert.equal(attributes.duration, 0);
    assert.equal(attributes.answered_at, undefined);
    assert.equal(attributes.callee, undefined);
  });

  test('a receiver failing with 503 gets the same event again until it takes it; a 400 is not retried', async () => {
    webhook.route('/voice', twiml('<Reject reason="busy"/>'));
    const retried = await worker.metric('switchyard_carrier_event_attempts_total', { result: '503' });
    const seen = eventPosts().length;
    answers.push(503, 503);
    ok(await runSipp({ scenario: callerExpecting(486, { to: numbers.clinic }), remote: remote(), calls: 1 }), 'caller');
    const posts = await nextEvents(3, seen);
    assert.equal(posts.length, 3, 'two refusals, then the one taken');
    const ids = posts.map((post) => (JSON.parse(post.body) as EventBody).data.id);
    assert.equal(new Set(ids).size, 1, 'every retry carries the same event id, for the receiver to see repeats');
    assert.equal(await worker.metric('switchyard_carrier_event_attempts_total', { result: '503' }) - retried, 2);

    const refusedBefore = await worker.metric('switchyard_carrier_events_total', { outcome: 'refused' });
    const afterRetries = eventPosts().length;
    answers.push(400);
    ok(await runSipp({ scenario: callerExpecting(486, { to: numbers.clinic }), remote: remote(), calls: 1 }), 'caller');
    const refused = await nextEvents(1, afterRetries);
    assert.equal(refused.length, 1);
    // Longer than every retry delay together: nothing more comes.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(eventPosts().length, afterRetries + 1, 'a 400 is the receiver\'s final word');
    assert.equal(await worker.metric('switchyard_carrier_events_total', { outcome: 'refused' }) - refusedBefore, 1);
  });

  test('a call placed through the REST API is an outbound-api event naming the party and the trunk it was rung through, and the callee its <Dial> connected', async () => {
    const seen = eventPosts().length;
    const callee = await startSippServer({ scenario: calleeOfPlacedCall(), calls: 1 });
    const party = await startSippServer({ scenario: partyBridged(300), localPort: ports.primary, calls: 1 });
    const view = await viewOf(routing);
    const sid = view.account('clinic')?.sid ?? '';
    const placed = worker.running.placer.place(view, {
      account: { name: 'clinic', sid, authToken: view.authToken(sid) ?? '' },
      to: '+85597000111', from: numbers.clinic, timeoutSeconds: 10,
      twiml: inlineTwiml(`<Response><Dial timeout="10"><Sip>sip:agent@127.0.0.1:${callee.port}</Sip></Dial></Response>`),
    });
    ok(await party.exited, 'the party');
    ok(await callee.exited, 'the callee');
    const [post] = await nextEvents(1, seen);
    assert.ok(post, 'the event was posted');
    const call = (JSON.parse(post.body) as EventBody).data.attributes.details.data;
    assert.equal(call.id, placed.callSid);
    assert.equal(call.attributes.direction, 'outbound-api');
    assert.equal(call.attributes.status, 'completed');
    assert.equal(call.attributes.to, '+85597000111');
    assert.deepEqual(call.attributes.party, { type: 'outbound_trunk', outbound_trunk: 'primary', number: '+85597000111' });
    assert.deepEqual(call.attributes.callee, { type: 'sip', uri: `sip:agent@127.0.0.1:${callee.port}` });
    assert.equal(call.attributes.inbound_trunk, undefined);
    assert.equal(call.attributes.hangup_by, 'caller', 'the party hung up');
  });
});
