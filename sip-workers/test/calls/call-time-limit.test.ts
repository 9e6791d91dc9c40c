// An answered call ends at the worker's time limit even when neither side hangs up: a BYE lost in
// an overload must not leave a call (and its relay session and memory) up forever. A <Dial
// timeLimit> ends it sooner, as a prepaid app asks for a call its balance pays for.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RoutingTexts } from '../support/routing-fixture.ts';
import { runSipp, sippMissing, startSippServer } from '../support/sipp.ts';
import { calleeAnswering, callerHungUpOn } from '../support/scenarios.ts';
import { startWebhookServer, twiml } from '../support/webhook-server.ts';
import type { WebhookServer } from '../support/webhook-server.ts';
import { startTestWorker } from '../support/worker-harness.ts';
import type { TestWorker } from '../support/worker-harness.ts';
import { freeFixturePorts, numbers, trunkCallRouting } from './trunk-call-fixture.ts';
import { eventually } from '../../../testing/operator-process.ts';

describe('the call time limit', { skip: sippMissing, timeout: 60_000 }, () => {
  let webhook: WebhookServer;
  let worker: TestWorker;
  let routing: RoutingTexts;
  const ports = { primary: 0, secondary: 0, digest: 0 };

  before(async () => {
    webhook = await startWebhookServer();
    Object.assign(ports, await freeFixturePorts());
    routing = trunkCallRouting(webhook.base, ports);
    worker = await startTestWorker(routing, { maxCallMs: 1500 });
    webhook.route('/status', (_hit, response) => void response.writeHead(204).end());
  });
  after(async () => {
    await worker.close();
    await webhook.close();
  });

  test('a call neither side hangs up gets a BYE on both legs at the limit', async () => {
    webhook.route('/voice', twiml('<Dial timeout="10"><Number>+85597000111</Number></Dial>'));
    const callee = await startSippServer({ scenario: calleeAnswering(), localPort: ports.primary, calls: 1 });
    const started = performance.now();
    const caller = await runSipp({ scenario: callerHungUpOn({ to: numbers.clinic }), remote: `127.0.0.1:${worker.port}`, calls: 1 });
    const heldMs = performance.now() - started;
    assert.equal(caller.code, 0, `the caller got the worker's BYE\n${caller.stderr.slice(-1500)}`);
    assert.equal((await callee.exited).code, 0, 'the callee got the worker\'s BYE');
    assert.ok(heldMs >= 1400, `the call lasted its limit (${heldMs.toFixed(0)} ms)`);
    assert.equal(await worker.metric('switchyard_active_calls'), 0);
  });

  test('a <Dial timeLimit> sooner than the worker\'s limit ends the connected call at its own time', async () => {
    const patient = await startTestWorker(routing, { maxCallMs: 8000 });
    try {
      webhook.route('/voice', twiml('<Dial timeout="10" timeLimit="1"><Number>+85597000111</Number></Dial>'));
      const earlierHits = webhook.hits.length;
      const callee = await startSippServer({ scenario: calleeAnswering(), localPort: ports.primary, calls: 1 });
      const started = performance.now();
      const caller = await runSipp({ scenario: callerHungUpOn({ to: numbers.clinic }), remote: `127.0.0.1:${patient.port}`, calls: 1 });
      const heldMs = performance.now() - started;
      assert.equal(caller.code, 0, `the caller got the worker's BYE\n${caller.stderr.slice(-1500)}`);
      assert.equal((await callee.exited).code, 0, 'the callee got the worker\'s BYE');
      assert.ok(heldMs >= 900 && heldMs < 5000, `the call lasted the <Dial>'s second, not the worker's 8 s (${heldMs.toFixed(0)} ms)`);
      const status = await eventually('the status callback', () => webhook.hits.slice(earlierHits).find((hit) => hit.path === '/status' && hit.params.some(([k, v]) => k === 'CallStatus' && v === 'completed')), 5000, 20);
      assert.ok(['1', '2'].includes(status.params.find(([k]) => k === 'CallDuration')?.[1] ?? ''), 'about a second answered');
    } finally {
      await patient.close();
    }
  });
});
