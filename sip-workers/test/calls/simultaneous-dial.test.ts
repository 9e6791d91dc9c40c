// A <Dial> with several nouns rings them all at once, as Twilio does: the first to answer is
// connected, the others are cancelled, and a 2xx that crosses its CANCEL is ACKed and hung up.
// SIPp plays the caller and one callee per noun (an outbound trunk and a SIP URI).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runSipp, sippMissing, startSippServer } from '../support/sipp.ts';
import type { SippResult } from '../support/sipp.ts';
import { calleeAnsweringAfter, calleeAnsweringDespiteCancel, calleeRefusing, calleeRingingUntilCancelled, callerAnswered, callerExpecting } from '../support/scenarios.ts';
import { twiml } from '../support/webhook-server.ts';
import { numbers, trunkCallPlatform } from './trunk-call-fixture.ts';

const ok = (result: SippResult, what: string) => assert.equal(result.code, 0, `${what}: sipp exited ${result.code}\n${result.stderr.slice(-1500)}\n${result.stdout.slice(-1500)}`);

describe('a <Dial> of several nouns', { skip: sippMissing, timeout: 60_000 }, () => {
  const platform = trunkCallPlatform();
  const { ports } = platform;

  /** The trunk's number and a SIP URI at `sipPort`, within a timeout too short to ring them one after another. */
  const dialBoth = (sipPort: number) => twiml(`<Dial timeout="3"><Number>+85597000111</Number><Sip>sip:agent@127.0.0.1:${sipPort}</Sip></Dial>`);

  test('rings every noun at once: the first to answer is connected and the other is cancelled', async () => {
    const trunk = await startSippServer({ scenario: calleeRingingUntilCancelled(), localPort: ports.primary, calls: 1 });
    const agent = await startSippServer({ scenario: calleeAnsweringAfter(300), calls: 1 });
    platform.webhook.route('/voice', dialBoth(agent.port));
    const started = performance.now();
    ok(await runSipp({ scenario: callerAnswered({ to: numbers.clinic }), remote: platform.remote, calls: 1 }), 'caller (answered by the agent)');
    const tookMs = performance.now() - started;
    ok(await agent.exited, 'agent (answered, got the BYE)');
    ok(await trunk.exited, 'trunk (rang, then was cancelled: 487 ACKed)');
    assert.ok(tookMs < 2500, `the agent answered while the trunk still rang (${tookMs.toFixed(0)} ms)`);
  });

  test('a 2xx that crosses its CANCEL is ACKed and hung up; the caller stays with the first to answer', async () => {
    const trunk = await startSippServer({ scenario: calleeAnsweringDespiteCancel(), localPort: ports.primary, calls: 1 });
    const agent = await startSippServer({ scenario: calleeAnsweringAfter(300), calls: 1 });
    platform.webhook.route('/voice', dialBoth(agent.port));
    ok(await runSipp({ scenario: callerAnswered({ to: numbers.clinic, holdMs: 500 }), remote: platform.remote, calls: 1 }), 'caller');
    ok(await agent.exited, 'agent (answered, got the caller\'s BYE)');
    ok(await trunk.exited, 'trunk (its late 2xx got an ACK and a BYE)');
  });

  test('when every noun is busy the caller hears busy', async () => {
    const trunk = await startSippServer({ scenario: calleeRefusing(486, 'Busy Here'), localPort: ports.primary, calls: 1 });
    const agent = await startSippServer({ scenario: calleeRefusing(486, 'Busy Here'), calls: 1 });
    platform.webhook.route('/voice', dialBoth(agent.port));
    ok(await runSipp({ scenario: callerExpecting(486, { to: numbers.clinic }), remote: platform.remote, calls: 1 }), 'caller (486)');
    ok(await trunk.exited, 'trunk');
    ok(await agent.exited, 'agent');
  });
});
