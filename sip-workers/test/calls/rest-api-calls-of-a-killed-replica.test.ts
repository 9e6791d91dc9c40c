// A replica killed with a call up (SIGKILL: no drain, no hang-up, as when the kernel kills it for
// memory or its node is lost) leaves the call's record in Redis as it last wrote it, live. The
// other replica, asked for the call, reads it live while the dead one's heartbeat is fresh, and
// ended once it has gone stale: completed, as of when the dead one was last seen; one of the
// replicas left ends it for good and posts the status callback the dead one could not. Three real
// worker processes over one routing directory and one redis-server; SIPp is the party.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeRoutingDirectory } from '../../src/routing/routing-directory.ts';
import { eventually } from '../../../testing/operator-process.ts';
import { partyRefused } from '../support/placed-call-scenarios.ts';
import { redisMissing, startRedisServer } from '../support/redis-server.ts';
import { apiRequest } from '../support/rest-api-client.ts';
import { viewOf } from '../support/routing-view-of.ts';
import { sippMissing, startSippServer } from '../support/sipp.ts';
import { startWebhookServer } from '../support/webhook-server.ts';
import { startWorkerProcess } from '../support/worker-process.ts';
import { validateTwilioSignature } from '../../src/webhook/twilio-signature.ts';
import { freeFixturePorts, numbers, trunkCallRouting } from './trunk-call-fixture.ts';

test('a call whose replica was killed reads ended on the other replica once the dead one\'s heartbeat is stale', { skip: sippMissing || redisMissing, timeout: 120_000 }, async () => {
  const redis = await startRedisServer();
  after(() => redis.stop());
  const webhook = await startWebhookServer();
  after(() => webhook.close());
  const ports = await freeFixturePorts();
  const texts = trunkCallRouting(webhook.base, ports);
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-killed-replica-'));
  after(() => rm(dir, { recursive: true, force: true }));
  await writeRoutingDirectory(dir, { manifest: texts.manifest, shards: new Map(texts.shards.map((shard) => [shard.name, shard.text])), secrets: texts.secrets });
  const view = await viewOf(texts);
  const sid = view.account('clinic')?.sid ?? '';
  const clinic = { sid, token: view.authToken(sid) ?? '' };
  // Orphans ended after 20 s without a heartbeat rather than the default 60, to keep the test short.
  const env = { SWITCHYARD_CARRIER: 'mekong', SWITCHYARD_ROUTING_DIR: dir, SWITCHYARD_REDIS_URL: redis.url, SWITCHYARD_CALL_ORPHAN_SECONDS: '20' };
  const [doomed, survivor, another] = [await startWorkerProcess(env), await startWorkerProcess(env), await startWorkerProcess(env)];
  webhook.route('/status', (_hit, response) => void response.writeHead(204).end());
  const api = (worker: { apiPort: number }) => `http://127.0.0.1:${worker.apiPort}`;
  await eventually('the replicas serve the routing', async () => (await doomed.ready()) && (await survivor.ready()) && (await another.ready()), 10_000, 50);

  const party = await startSippServer({ scenario: partyRefused(), localPort: ports.primary, calls: 1 });
  after(() => party.stop());
  const created = await apiRequest(api(doomed), 'POST', '/Calls.json', clinic, { To: '+85597000313', From: numbers.clinic, Twiml: '<Response><Pause length="60"/></Response>', StatusCallback: `${webhook.base}/status` });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const fetchThere = () => apiRequest(api(survivor), 'GET', `/Calls/${String(created.body.sid)}.json`, clinic);
  await eventually('the survivor reads the call answered', async () => (await fetchThere()).body.status === 'in-progress', 10_000, 20);

  const killedAt = Date.now();
  await doomed.kill();
  assert.equal((await fetchThere()).body.status, 'in-progress', 'a heartbeat a few seconds old is not yet a death');
  const ended = await eventually('the survivor reads the call ended', async () => {
    const fetched = await fetchThere();
    return fetched.body.status === 'in-progress' ? undefined : fetched.body;
  }, 30_000, 250);
  // Stamped every 5 s and judged stale after 15 s: ended 10-15 s after the kill, less if a stamp came late.
  assert.ok(Date.now() - killedAt >= 5000, 'read live until the heartbeat had been stale for its time');
  assert.equal(ended.status, 'completed', 'it had been answered');
  const endTime = Date.parse(String(ended.end_time));
  // RFC 2822 times are whole seconds; the dead replica stamped its heartbeat every 5 s (a loaded machine may stamp later).
  assert.ok(endTime <= killedAt + 1000 && endTime >= killedAt - 8000, `ended when the dead replica was last seen (${String(ended.end_time)}, killed at ${new Date(killedAt).toUTCString()})`);
  assert.match(String(ended.duration), /^\d+$/);

  const hungUp = await apiRequest(api(survivor), 'POST', `/Calls/${String(created.body.sid)}.json`, clinic, { Status: 'completed' });
  assert.equal(hungUp.status, 200);
  assert.equal(hungUp.body.status, 'completed', 'ending it again changes nothing');
  const live = await apiRequest(api(survivor), 'GET', `/Calls.json?Status=in-progress`, clinic);
  assert.deepEqual(live.body.calls, [], 'nor is it listed among the live calls');
  const listed = await apiRequest(api(survivor), 'GET', `/Calls.json?To=${encodeURIComponent('+85597000313')}`, clinic);
  assert.deepEqual((listed.body.calls as Array<{ status: string }>).map((call) => call.status), ['completed']);

  // One of the replicas left ended it for good and posted the status callback its dead owner could not.
  const callSid = String(created.body.sid);
  const completed = () => webhook.hits.filter((hit) => hit.path === '/status' && hit.params.some(([k, v]) => k === 'CallSid' && v === callSid));
  const posted = await eventually('the status callback of the call whose replica died', () => completed()[0], 30_000, 250);
  assert.equal(new Map(posted.params).get('CallStatus'), 'completed');
  assert.match(new Map(posted.params).get('CallDuration') ?? '', /^\d+$/);
  const token = view.authToken(sid) ?? '';
  assert.ok(posted.signature && validateTwilioSignature(token, posted.signature, posted.url, posted.params), 'signed with the account\'s token');
  // Every replica looks for orphans every 12-18 s: by 20 s on, both have looked again.
  await new Promise((resolve) => setTimeout(resolve, 20_000));
  assert.equal(completed().length, 1, 'posted once, by one replica');
  assert.equal((await survivor.metric('switchyard_call_store_orphaned_calls_total')) + (await another.metric('switchyard_call_store_orphaned_calls_total')), 1);
});
