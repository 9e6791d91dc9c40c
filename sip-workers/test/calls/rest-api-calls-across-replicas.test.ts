// Two worker replicas of one carrier sharing the registrar's Redis, as the operator runs a pool:
// the API Service may send a request for a call to either, so each answers for the other's calls.
// A call placed through one is fetched and ended through the other, with SIPp as its party; a
// call the asked replica cannot look up while Redis is down gets 503, not 404.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultExpirySettings } from '../../src/registrar/expiry-policy.ts';
import { eventually } from '../../../testing/operator-process.ts';
import { partyRefused } from '../support/placed-call-scenarios.ts';
import { redisMissing, startRedisServer } from '../support/redis-server.ts';
import type { RedisServer } from '../support/redis-server.ts';
import { startRegistrarWorker } from '../support/registrar-worker.ts';
import type { RegistrarWorker } from '../support/registrar-worker.ts';
import { apiRequest, startTestRestApi, TEST_CALL_LEDGER, workerCalls } from '../support/rest-api-client.ts';
import type { ApiCredentials, TestRestApi } from '../support/rest-api-client.ts';
import { viewOf } from '../support/routing-view-of.ts';
import { sippMissing, startSippServer } from '../support/sipp.ts';
import type { SippResult } from '../support/sipp.ts';
import { startWebhookServer } from '../support/webhook-server.ts';
import type { WebhookServer } from '../support/webhook-server.ts';
import { startTestWorker } from '../support/worker-harness.ts';
import { freeFixturePorts, numbers, trunkCallRouting } from './trunk-call-fixture.ts';
import type { FixturePorts } from './trunk-call-fixture.ts';

const ok = (result: SippResult, what: string) => assert.equal(result.code, 0, `${what}: sipp exited ${result.code}\n${result.stderr.slice(-1500)}\n${result.stdout.slice(-2500)}`);

describe('calls shared by replicas through Redis', { skip: sippMissing || redisMissing, timeout: 120_000 }, () => {
  let redis: RedisServer;
  let webhook: WebhookServer;
  let ports: FixturePorts;
  const replicas: Array<{ worker: RegistrarWorker; api: TestRestApi }> = [];
  let clinic: ApiCredentials;

  before(async () => {
    redis = await startRedisServer();
    webhook = await startWebhookServer();
    ports = await freeFixturePorts();
    const texts = trunkCallRouting(webhook.base, ports);
    const view = await viewOf(texts);
    const sid = view.account('clinic')?.sid ?? '';
    clinic = { sid, token: view.authToken(sid) ?? '' };
    for (let i = 0; i < 2; i++) {
      const worker = await startRegistrarWorker(texts, redis.url, { callLedger: TEST_CALL_LEDGER });
      const api = await startTestRestApi({ routing: () => view, placer: worker.running.placer, calls: workerCalls(worker), metrics: worker.metrics });
      replicas.push({ worker, api });
    }
  });
  after(async () => {
    for (const { worker, api } of replicas) {
      api.close();
      await worker.close();
    }
    await webhook?.close();
    await redis?.stop();
  });

  test('a call placed through one replica is fetched and ended through the other', async () => {
    const [placing, other] = replicas.map((replica) => replica.api.base) as [string, string];
    const party = await startSippServer({ scenario: partyRefused(), localPort: ports.primary, calls: 1 });
    const created = await apiRequest(placing, 'POST', '/Calls.json', clinic, { To: '+85597000311', From: numbers.clinic, Twiml: '<Response><Pause length="8"/></Response>' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const callSid = String(created.body.sid);
    const fetchThere = () => apiRequest(other, 'GET', `/Calls/${callSid}.json`, clinic);
    await eventually('the other replica sees the call answered', async () => (await fetchThere()).body.status === 'in-progress', 10_000, 20);
    assert.equal((await fetchThere()).body.direction, 'outbound-api');

    const ended = await apiRequest(other, 'POST', `/Calls/${callSid}.json`, clinic, { Status: 'completed' });
    assert.equal(ended.status, 200, JSON.stringify(ended.body));
    assert.equal(ended.body.status, 'completed', 'the placing replica ended it, and the other read the end back');
    ok(await party.exited, 'the party (our ACK refuses its offer, then our BYE)');
    assert.equal((await fetchThere()).body.status, 'completed');
    assert.equal((await apiRequest(other, 'GET', `/Calls/CA${'0'.repeat(32)}.json`, clinic)).status, 404);
    const listed = await apiRequest(other, 'GET', `/Calls.json?To=${encodeURIComponent('+85597000311')}`, clinic);
    assert.deepEqual((listed.body.calls as Array<{ sid: string; status: string }>).map(({ sid, status }) => ({ sid, status })), [{ sid: callSid, status: 'completed' }], 'listed by the replica that did not place it');

    // Redis's index is read by start time only as far as the StartTime filters reach.
    const startedOn = new Date(Date.parse(String((listed.body.calls as Array<{ start_time: string }>)[0]?.start_time))).toISOString().slice(0, 10);
    const nextDay = new Date(Date.parse(startedOn) + 86_400_000).toISOString().slice(0, 10);
    const sidsListed = async (filters: Record<string, string>) => ((await apiRequest(other, 'GET', `/Calls.json?${new URLSearchParams({ To: '+85597000311', ...filters }).toString()}`, clinic)).body.calls as Array<{ sid: string }>).map(({ sid }) => sid);
    assert.deepEqual(await sidsListed({ StartTime: startedOn }), [callSid]);
    assert.deepEqual(await sidsListed({ 'StartTime>': startedOn, 'StartTime<': nextDay }), [callSid]);
    assert.deepEqual(await sidsListed({ 'StartTime>': nextDay }), [], 'none started on or after the next day');
    assert.deepEqual(await sidsListed({ 'StartTime<': startedOn }), [], 'nor before its midnight');
  });

  test('a call placed through one replica and held in a <Pause> is redirected through the other', async () => {
    const [placing, other] = replicas.map((replica) => replica.api.base) as [string, string];
    const party = await startSippServer({ scenario: partyRefused(), localPort: ports.primary, calls: 1 });
    const created = await apiRequest(placing, 'POST', '/Calls.json', clinic, { To: '+85597000314', From: numbers.clinic, Twiml: '<Response><Pause length="20"/></Response>' });
    const callSid = String(created.body.sid);
    await eventually('the other replica sees the call answered', async () => (await apiRequest(other, 'GET', `/Calls/${callSid}.json`, clinic)).body.status === 'in-progress', 10_000, 20);
    const movedAt = performance.now();
    const moved = await apiRequest(other, 'POST', `/Calls/${callSid}.json`, clinic, { Twiml: '<Response><Hangup/></Response>' });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    ok(await party.exited, 'the party (hung up by the TwiML it was moved to)');
    assert.ok(performance.now() - movedAt < 10_000, 'at once, not after the 20 s pause');
  });

  test('a replica that stops hangs up its calls, and the others read them ended', async () => {
    const texts = trunkCallRouting(webhook.base, ports);
    const view = await viewOf(texts);
    const stopping = await startRegistrarWorker(texts, redis.url, { callLedger: TEST_CALL_LEDGER });
    const stoppingApi = await startTestRestApi({ routing: () => view, placer: stopping.running.placer, calls: workerCalls(stopping), metrics: stopping.metrics });
    try {
      const party = await startSippServer({ scenario: partyRefused(), localPort: ports.primary, calls: 1 });
      const created = await apiRequest(stoppingApi.base, 'POST', '/Calls.json', clinic, { To: '+85597000312', From: numbers.clinic, Twiml: '<Response><Pause length="8"/></Response>' });
      const fetchThere = () => apiRequest(replicas[0]?.api.base ?? '', 'GET', `/Calls/${String(created.body.sid)}.json`, clinic);
      await eventually('the party answered', async () => (await fetchThere()).body.status === 'in-progress', 10_000, 20);
      await stopping.close();
      ok(await party.exited, 'the party (hung up on by the stopping worker)');
      assert.equal((await fetchThere()).body.status, 'completed', 'its end was written before the worker let go of Redis');
    } finally {
      stoppingApi.close();
      await stopping.close();
    }
  });

  test('while Redis is down, a replica asked for a call it does not hold answers 503; one starting meanwhile starts all the same', async () => {
    await redis.stop();
    const unknown = await apiRequest(replicas[1]?.api.base ?? '', 'GET', `/Calls/CA${'1'.repeat(32)}.json`, clinic);
    assert.equal(unknown.status, 503);
    assert.equal(unknown.body.code, 20503);
    assert.equal(await replicas[1]?.worker.metric('switchyard_call_store_failures_total', { operation: 'read' }), 1, 'counted as a read that failed for want of Redis');

    const texts = trunkCallRouting(webhook.base, ports);
    const starting = startTestWorker(texts, { callLedger: TEST_CALL_LEDGER, registrar: { redisUrl: redis.url, carrier: 'mekong', settings: { expiry: defaultExpirySettings, maxBindingsPerUser: 10 } } });
    const late = await Promise.race([starting, sleep(5000).then(() => undefined)]);
    assert.ok(late, 'the worker started without waiting for Redis');
    await late.close();
  });
});
