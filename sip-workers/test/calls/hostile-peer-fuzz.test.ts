// Bounded fuzzing of a live worker through whole calls, from the parties' side: calls whose
// webhook dials a callee that answers with scripted mischief, a share of it garbled
// (support/hostile-callee.ts), first from a well-behaved caller, then from one that cancels,
// PRACKs wrongly, skips its ACK and garbles what it sends mid-call (support/fuzz-caller.ts), the
// same over one TCP connection, then with every description crossing a real rtpengine. A customer's SIP endpoint behind
// <Dial><Sip> is not ours to trust, nor is a caller: what they send inside a call runs through the
// B2BUA (both legs' transactions, PRACK and fork bookkeeping, the dialog keepalive, the mid-call
// relay, the media relay's offers and answers), past the parser the other fuzz tests hammer. The
// worker must not throw anywhere, must end every call and dialog (within its timers, shortened
// here), must leave no session on the relay and must keep answering. All traffic stays on
// 127.0.0.1: a garbled host name is looked up on a DNS port there that never answers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from '../../../testing/operator-process.ts';
import { parseRelayTarget } from '../../src/media/relay-pool.ts';
import { rtpengineMissing, startRtpengine, type Rtpengine } from '../media/rtpengine-process.ts';
import { prng } from '../sip/mutations.ts';
import { FuzzCaller } from '../support/fuzz-caller.ts';
import { startFuzzPlatform, type FuzzPlatform } from '../support/fuzz-platform.ts';
import { sendOptions } from '../support/options-probe.ts';

const CALLS = 300;
const GARBLING = { lines: 0.3, bytes: 0.1 };

/**
 * What every run must leave: no call, dialog, defect line or unhandled rejection; enough calls
 * answered to have reached the B2BUA's later states; the worker still answering OPTIONS; every
 * transaction ended within its timers.
 */
async function assertWorkerUnharmed(platform: FuzzPlatform, caller: FuzzCaller): Promise<void> {
  platform.assertNothingLeft();
  assert.ok(caller.answered > CALLS / 10, `${caller.answered} calls were answered`);
  assert.equal((await sendOptions(platform.worker.port)).status, 200);
  assert.deepEqual(await platform.transactionsLeft(), { client: 0, server: 0 }, 'every transaction ended within its timers');
}

describe('a live worker whose callers and callees send scripted and garbled mischief', { timeout: 120_000 }, () => {
  let platform: FuzzPlatform;

  before(async () => {
    platform = await startFuzzPlatform();
  });
  after(() => platform.close());

  test(`${CALLS} calls from a well-behaved caller leave no call or dialog behind, nothing thrown, and the worker still answering`, async () => {
    const invitesBefore = platform.callee.counts.invites;
    const caller = await FuzzCaller.start(prng(3261), platform.worker.port);
    await platform.placeCalls(caller, CALLS);
    await assertWorkerUnharmed(platform, caller);
    // The scripts reached the code they aim at: B legs were dialled.
    const invites = platform.callee.counts.invites - invitesBefore;
    assert.ok(invites >= CALLS, `the callee saw ${invites} INVITEs`);
  });

  test(`${CALLS} calls from a caller that cancels, PRACKs wrongly, skips ACKs and garbles its requests leave nothing behind either`, async () => {
    const caller = await FuzzCaller.start(prng(3263), platform.worker.port, GARBLING);
    await platform.placeCalls(caller, CALLS);
    await assertWorkerUnharmed(platform, caller);
  });

  test(`${CALLS} calls from the same caller over one TCP connection (opened again whenever garbled framing gets it closed) leave nothing behind either`, async () => {
    const caller = await FuzzCaller.start(prng(3265), platform.worker.port, GARBLING, 'tcp');
    await platform.placeCalls(caller, CALLS);
    await assertWorkerUnharmed(platform, caller);
  });
});

describe('the same mischief with media anchored on rtpengine', { skip: rtpengineMissing, timeout: 120_000 }, () => {
  let relay: Rtpengine;
  let platform: FuzzPlatform;

  before(async () => {
    // Ports for every call up at once (each holds four while it lasts), so few are refused for want of them.
    const min = 30_000 + 1000 * Math.floor(Math.random() * 20);
    relay = await startRtpengine({ ports: { min, max: min + 3999 } });
    const target = parseRelayTarget(relay.relay);
    if (!target) throw new Error(`bad relay ${relay.relay}`);
    platform = await startFuzzPlatform({ media: { relay: target, symmetricLatching: true, timeoutMs: 1000 } });
  });
  after(async () => {
    await platform?.close();
    await relay?.stop();
  });

  test(`${CALLS} calls from a hostile caller to a hostile callee leave no session on the relay`, async () => {
    const caller = await FuzzCaller.start(prng(3264), platform.worker.port, GARBLING);
    await platform.placeCalls(caller, CALLS);
    await assertWorkerUnharmed(platform, caller);
    assert.ok(await platform.worker.metric('switchyard_media_relay_commands_total', { command: 'offer', result: 'ok' }) > CALLS / 2, 'offers reached the relay');
    await eventually('the relay holds no call', async () => (await relay.calls()).length === 0 && (await relay.sessions()) === 0, 5000, 100);
    assert.equal(await platform.worker.metric('switchyard_media_anchored_calls'), 0, 'the worker counts no anchored call');
  });
});
