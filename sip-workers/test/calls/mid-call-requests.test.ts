// Requests inside an answered call cross the worker end to end: hold by re-INVITE from either
// side, DTMF by INFO, a session refresh by UPDATE, a refused re-offer, and crossing re-INVITEs.
// SIPp is the caller (a carrier's SBC) and the callee (the outbound trunk); each checks what
// reached it, so a request answered by the worker itself, or altered on the way, fails the test.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { runSipp, sippMissing, startSippServer } from '../support/sipp.ts';
import type { SippResult } from '../support/sipp.ts';
import {
  calleeCrossingReinvite, calleeHeldAndGettingDtmf, calleeHoldingCaller, calleeRefusingReoffer, calleeWithoutTheDialog, callerReinviteIntoLostDialog,
  calleeRingingOnReinvite, callerCancellingReinvite,
  callerHeldByCallee, callerHoldingAndSendingDtmf, callerReinvitingIntoGlare, callerReofferRefused, outOfDialog,
} from '../support/mid-call-scenarios.ts';
import { twiml } from '../support/webhook-server.ts';
import { numbers, trunkCallPlatform } from './trunk-call-fixture.ts';

const ok = (result: SippResult, what: string) => assert.equal(result.code, 0, `${what}: sipp exited ${result.code}\n${result.stderr.slice(-1500)}\n${result.stdout.slice(-1500)}`);

describe('requests inside an answered call', { skip: sippMissing, timeout: 120_000 }, () => {
  const platform = trunkCallPlatform();
  const { ports } = platform;
  before(() => platform.webhook.route('/voice', twiml('<Dial timeout="10"><Number>+85597000111</Number></Dial>')));

  const call = async (caller: string, callee: string) => {
    const trunk = await startSippServer({ scenario: callee, localPort: ports.primary, calls: 1 });
    ok(await runSipp({ scenario: caller, remote: platform.remote, calls: 1 }), 'caller');
    ok(await trunk.exited, 'callee');
  };

  test('the caller\'s hold re-INVITE reaches the callee and its a=recvonly answer comes back; INFO and UPDATE cross too', async () => {
    await call(callerHoldingAndSendingDtmf(numbers.clinic), calleeHeldAndGettingDtmf());
    assert.equal(await platform.worker.metric('switchyard_mid_call_requests_total', { method: 'INVITE', status: '200' }), 1);
    assert.equal(await platform.worker.metric('switchyard_mid_call_requests_total', { method: 'INFO', status: '200' }), 1);
  });

  test('the callee\'s hold re-INVITE reaches the caller and the caller\'s answer goes back', async () => {
    await call(callerHeldByCallee(numbers.clinic), calleeHoldingCaller());
  });

  test('a re-offer the callee refuses (488) is refused to the caller, and the call goes on', async () => {
    await call(callerReofferRefused(numbers.clinic), calleeRefusingReoffer());
  });

  test('a 481 from the callee (its dialog is gone) reaches the caller, and the worker ends both legs', async () => {
    await call(callerReinviteIntoLostDialog(numbers.clinic), calleeWithoutTheDialog());
  });

  test('a CANCEL of a re-INVITE cancels the callee\'s too, and its 487 comes back; the call goes on', async () => {
    await call(callerCancellingReinvite(numbers.clinic), calleeRingingOnReinvite());
  });

  test('a re-INVITE crossing one in progress gets 491, and the first completes', async () => {
    await call(callerReinvitingIntoGlare(numbers.clinic), calleeCrossingReinvite());
  });

  test('an UPDATE or INFO outside any dialog gets 481', async () => {
    for (const method of ['UPDATE', 'INFO']) ok(await runSipp({ scenario: outOfDialog(method), remote: platform.remote, calls: 1 }), method);
  });
});
