// An answered call whose party has lost it (crashed, restarted, its BYE lost) is found by the
// worker's in-dialog OPTIONS and ended at once, with a BYE to both sides; a party that answers
// keeps its call. SIPp plays both parties against a worker probing every 500 ms.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { runSipp, sippMissing, startSippServer } from '../support/sipp.ts';
import type { SippResult } from '../support/sipp.ts';
import { calleeAnsweringKeepalive, callerAnsweringKeepalive, callerHungUpByWorker } from '../support/mid-call-scenarios.ts';
import { twiml } from '../support/webhook-server.ts';
import { numbers, trunkCallPlatform } from './trunk-call-fixture.ts';

const ok = (result: SippResult, what: string) => assert.equal(result.code, 0, `${what}: sipp exited ${result.code}\n${result.stderr.slice(-1500)}\n${result.stdout.slice(-1500)}`);

describe('dead call detection', { skip: sippMissing, timeout: 60_000 }, () => {
  const platform = trunkCallPlatform({ keepaliveMs: 500 });
  const { ports } = platform;
  before(() => platform.webhook.route('/voice', twiml('<Dial timeout="10"><Number>+85597000111</Number></Dial>')));

  const lost = () => platform.worker.metric('switchyard_dialogs_lost_total', { side: 'callee', loss: '481' });

  test('a callee answering the keepalive OPTIONS 481 has lost the call: the worker sends BYE to both sides', async () => {
    const before = await lost();
    const callee = await startSippServer({ scenario: calleeAnsweringKeepalive(481), localPort: ports.primary, calls: 1 });
    ok(await runSipp({ scenario: callerHungUpByWorker(numbers.clinic), remote: platform.remote, calls: 1 }), 'caller (got the worker\'s BYE)');
    ok(await callee.exited, 'callee (got the worker\'s BYE)');
    assert.equal(await lost(), before + 1);
    assert.equal(await platform.worker.metric('switchyard_active_calls'), 0);
  });

  test('parties answering the keepalive 200 keep their call until the caller hangs up', async () => {
    const before = await lost();
    const callee = await startSippServer({ scenario: calleeAnsweringKeepalive(200), localPort: ports.primary, calls: 1 });
    ok(await runSipp({ scenario: callerAnsweringKeepalive(numbers.clinic), remote: platform.remote, calls: 1 }), 'caller (OPTIONS answered, then its own BYE)');
    ok(await callee.exited, 'callee (OPTIONS answered, then the caller\'s BYE)');
    assert.equal(await lost(), before);
  });
});
