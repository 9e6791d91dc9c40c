// Headers in a <Sip> noun's URI (sip:agent@host?X-UserId=1938ND9) reach the SIP endpoint as headers
// of its INVITE, as Twilio and Vonage pass their customers' context on; the Request-URI and To go
// without them (RFC 3261 §19.1.5). The URI is the webhook's to write, so a header that is not the
// customer's (a Route, our own X-Switchyard-) or that would break onto a second line stays out.
// SIPp plays the caller and the endpoint.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { calleeAnswering, callerAnswered } from '../support/scenarios.ts';
import { runSipp, sippMissing, startSippServer } from '../support/sipp.ts';
import type { SippResult } from '../support/sipp.ts';
import { twiml } from '../support/webhook-server.ts';
import { numbers, trunkCallPlatform } from './trunk-call-fixture.ts';

const ok = (result: SippResult, what: string) => assert.equal(result.code, 0, `${what}: sipp exited ${result.code}\n${result.stderr.slice(-1500)}\n${result.stdout.slice(-1500)}`);

describe('headers in a <Sip> URI', { skip: sippMissing, timeout: 60_000 }, () => {
  const platform = trunkCallPlatform();

  test('X- and User-to-User headers reach the endpoint\'s INVITE; the Request-URI and To carry none, and a Route, an X-Switchyard- or a two-line value is not passed on', async () => {
    const callee = await startSippServer({
      scenario: calleeAnswering({
        requestLine: '^INVITE sip:agent@127\\.0\\.0\\.1:[0-9]+;transport=udp SIP/2\\.0',
        inviteHeaders: [['X-UserId', '^ *1938ND9$'], ['User-to-User', '^ *56a390f3d2b7310023a2;encoding=hex$'], ['To', '^[^?]*$']],
        absentInviteHeaders: ['Route', 'X-Switchyard-Account', 'X-Note', 'X-Injected'],
      }),
      calls: 1,
    });
    const headers = [
      'X-UserId=1938ND9',
      'User-to-User=56a390f3d2b7310023a2%3Bencoding%3Dhex',
      'Route=%3Csip%3Aelsewhere.example%3Blr%3E',
      'X-Switchyard-Account=forged',
      'X-Note=a%0D%0AX-Injected%3A%20b',
    ];
    platform.webhook.route('/voice', twiml(`<Dial timeout="5"><Sip>sip:agent@127.0.0.1:${callee.port};transport=udp?${headers.join('&amp;')}</Sip></Dial>`));
    ok(await runSipp({ scenario: callerAnswered({ to: numbers.clinic }), remote: platform.remote, calls: 1 }), 'caller');
    ok(await callee.exited, 'endpoint (its INVITE: the X- and User-to-User headers, nothing else from the URI)');
  });
});
