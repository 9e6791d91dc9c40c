// Session timers (RFC 4028) pass end to end: the caller's Session-Expires, Min-SE and `timer`
// option tag reach the callee, the callee's answer reaches the caller, and a callee's 422 comes
// back with its Min-SE so the caller can try again. An extension the worker does not honour in a
// Require is refused with 420 before anything else (RFC 3261 §8.2.2.3). SIPp plays both parties.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, test } from 'node:test';
import { calleeAnswering, calleeRefusing, callerAnswered, callerRefusedWithHeader } from '../support/scenarios.ts';
import { runSipp, sippMissing, startSippServer } from '../support/sipp.ts';
import type { SippResult } from '../support/sipp.ts';
import { twiml } from '../support/webhook-server.ts';
import { numbers, trunkCallPlatform } from './trunk-call-fixture.ts';

const ok = (result: SippResult, what: string) => assert.equal(result.code, 0, `${what}: sipp exited ${result.code}\n${result.stderr.slice(-1500)}\n${result.stdout.slice(-1500)}`);
const callerTimer = ['Supported: timer', 'Session-Expires: 1800;refresher=uac', 'Min-SE: 90'];

describe('session timers and required extensions', { skip: sippMissing, timeout: 60_000 }, () => {
  const platform = trunkCallPlatform();
  const dialAgent = (port: number) => platform.webhook.route('/voice', twiml(`<Dial timeout="5"><Sip>sip:agent@127.0.0.1:${port}</Sip></Dial>`));

  test('the caller\'s session timer reaches the callee, and the callee\'s choice of refresher reaches the caller', async () => {
    const callee = await startSippServer({
      scenario: calleeAnswering({
        inviteHeaders: [['Session-Expires', '^ *1800;refresher=uac$'], ['Min-SE', '^ *90$'], ['Supported', 'timer']],
        answerHeaders: ['Session-Expires: 1800;refresher=uas', 'Require: timer'],
      }),
      calls: 1,
    });
    dialAgent(callee.port);
    ok(await runSipp({
      scenario: callerAnswered({ to: numbers.clinic, extraHeaders: callerTimer, answerHeaders: [['Session-Expires', '^ *1800;refresher=uas$'], ['Require', 'timer']] }),
      remote: platform.remote,
      calls: 1,
    }), 'caller (its 200 carried the callee\'s session timer)');
    ok(await callee.exited, 'callee (its INVITE carried the caller\'s session timer)');
  });

  test('a callee\'s 422 Session Interval Too Small reaches the caller with its Min-SE', async () => {
    const callee = await startSippServer({ scenario: calleeRefusing(422, 'Session Interval Too Small', ['Min-SE: 3600']), calls: 1 });
    dialAgent(callee.port);
    ok(await runSipp({ scenario: callerRefusedWithHeader(422, 'Min-SE', '^ *3600$', { to: numbers.clinic, extraHeaders: callerTimer }), remote: platform.remote, calls: 1 }), 'caller (422 with Min-SE)');
    ok(await callee.exited, 'callee');
  });

  test('an INVITE requiring an extension the worker does not honour gets 420 naming it, and no webhook is asked', async () => {
    const hits = platform.webhook.hits.length;
    ok(await runSipp({
      // timer and 100rel are honoured (100rel: reliable-provisional-calls.test.ts); the third is not.
      scenario: callerRefusedWithHeader(420, 'Unsupported', '^ *nothingSupportsThis$', { to: numbers.clinic, extraHeaders: ['Require: timer, 100rel, nothingSupportsThis'] }),
      remote: platform.remote,
      calls: 1,
    }), 'caller (420)');
    assert.equal(platform.webhook.hits.length, hits, 'no webhook request');
  });

  test('OPTIONS says which extensions a call may require; OPTIONS requiring another gets 420 (RFC 4475 §3.3.5)', async () => {
    const socket = createSocket('udp4');
    try {
      const answers: string[] = [];
      socket.on('message', (data) => answers.push(data.toString('latin1')));
      const answer = async (count: number) => {
        for (let waited = 0; answers.length < count && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
        return answers[count - 1] ?? '';
      };
      const options = (require: string | undefined, branch: string) => [
        `OPTIONS sip:${numbers.clinic}@127.0.0.1 SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK${branch};rport`,
        'To: <sip:user@example.com>',
        'From: <sip:caller@example.net>;tag=242etr',
        'Max-Forwards: 6',
        'Call-ID: bext01.0ha0isndaksdj',
        ...(require === undefined ? [] : [`Require: ${require}`]),
        'CSeq: 8 OPTIONS',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      socket.send(options(undefined, 'plain'), platform.worker.port, '127.0.0.1');
      const plain = await answer(1);
      assert.match(plain, /^SIP\/2\.0 200 /);
      assert.match(plain, /\r\nSupported: 100rel, timer\r\n/);
      socket.send(options('nothingSupportsThis, nothingSupportsThisEither', 'bext01'), platform.worker.port, '127.0.0.1');
      const refused = await answer(2);
      assert.match(refused, /^SIP\/2\.0 420 /);
      assert.match(refused, /\r\nUnsupported: nothingSupportsThis, nothingSupportsThisEither\r\n/);
    } finally {
      socket.close();
    }
  });
});
