// Calls into a customer's SipDomain: admitted by its IP ACL, or by digest authentication against
// the HA1 hashes in routing state (401 challenge, then 200, or 403 for a wrong password).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runSipp, sippMissing, startSippServer } from '../support/sipp.ts';
import type { SippResult } from '../support/sipp.ts';
import { calleeAnswering, callerAnswered, callerAuthenticating, callerExpecting } from '../support/scenarios.ts';
import { startWebhookServer, twiml } from '../support/webhook-server.ts';
import type { WebhookServer } from '../support/webhook-server.ts';
import { startTestWorker } from '../support/worker-harness.ts';
import type { TestWorker } from '../support/worker-harness.ts';
import { agent, domainFqdn, freeFixturePorts, trunkCallRouting } from './trunk-call-fixture.ts';

const ok = (result: SippResult, what: string) => assert.equal(result.code, 0, `${what}: sipp exited ${result.code}\n${result.stderr.slice(-1500)}\n${result.stdout.slice(-800)}`);

describe('calls into a SipDomain', { skip: sippMissing, timeout: 60_000 }, () => {
  let webhook: WebhookServer;
  let worker: TestWorker;

  before(async () => {
    webhook = await startWebhookServer();
    worker = await startTestWorker(trunkCallRouting(webhook.base, await freeFixturePorts()));
  });
  after(async () => {
    await worker.close();
    await webhook.close();
  });

  const remote = () => `127.0.0.1:${worker.port}`;
  const toDomain = { to: '+85523900777', host: domainFqdn };
  // SIPp signs "sip:<remote ip>:<port>" unless told the Request-URI; the worker checks the digest's uri against it.
  const authUri = ['-auth_uri', `${toDomain.to}@${toDomain.host}`];

  async function withCallee(run: () => Promise<SippResult>): Promise<void> {
    const callee = await startSippServer({ scenario: calleeAnswering(), calls: 1 });
    try {
      webhook.route('/domain', twiml(`<Dial><Sip>sip:desk@127.0.0.1:${callee.port}</Sip></Dial>`));
      ok(await run(), 'caller');
      ok(await callee.exited, 'callee');
    } finally {
      await callee.stop();
    }
  }

  test('a source in the ACL is admitted without a challenge, and the webhook sees SIP URIs', async () => {
    webhook.hits.length = 0;
    await withCallee(() => runSipp({ scenario: callerAnswered({ ...toDomain, extraHeaders: ['X-Desk: 7'] }), remote: remote(), calls: 1, localIp: '127.0.0.3' }));
    const params = new Map(webhook.hits.find((hit) => hit.path === '/domain')?.params);
    assert.equal(params.get('To'), `sip:+85523900777@${domainFqdn}`);
    assert.match(params.get('From') ?? '', /^sip:\+85512000111@127\.0\.0\.3:\d+$/);
    assert.equal(params.get('SipDomain'), domainFqdn);
    assert.equal(params.get('SipHeader_X-Desk'), '7');
  });

  test('a caller outside the ACL is challenged (401) and admitted with the right password', async () => {
    webhook.hits.length = 0;
    await withCallee(() => runSipp({ scenario: callerAuthenticating(200, { ...toDomain, ...agent }), remote: remote(), calls: 1, extraArgs: authUri }));
    const params = new Map(webhook.hits.find((hit) => hit.path === '/domain')?.params);
    assert.equal(params.get('SipUsername'), agent.username);
  });

  test('a wrong password gets 401 then 403, and the webhook is never asked', async () => {
    webhook.hits.length = 0;
    ok(await runSipp({ scenario: callerAuthenticating(403, { ...toDomain, username: agent.username, password: 'guess' }), remote: remote(), calls: 1, extraArgs: authUri }), 'caller');
    ok(await runSipp({ scenario: callerAuthenticating(403, { ...toDomain, username: 'agent-999', password: 'guess' }), remote: remote(), calls: 1, extraArgs: authUri }), 'unknown user');
    assert.equal(webhook.hits.length, 0);
    assert.ok((await worker.metric('switchyard_digest_failures_total')) >= 2);
  });

  test('a domain address this carrier does not serve fails with 404, even from the trunk\'s address; another host is not a domain call, so its source must be a trunk', async () => {
    ok(await runSipp({ scenario: callerExpecting(404, { to: '+85523900100', host: 'other.sip-ap.sip.test' }), remote: remote(), calls: 1, localIp: '127.0.0.1' }), 'caller from the trunk to a domain address');
    ok(await runSipp({ scenario: callerExpecting(403, { to: '+85523900100', host: 'pbx.other.example' }), remote: remote(), calls: 1, localIp: '127.0.0.3' }), 'caller from no trunk to another host');
  });
});
