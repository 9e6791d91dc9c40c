// A callee that sends its ringing and early media reliably (RFC 3262), as PSTN gateways do, some
// only when the INVITE says Supported: 100rel: the worker PRACKs each new reliable provisional in
// the early dialog, ignores a retransmitted one, passes each on to the caller once (unreliably: the
// caller did not ask), and numbers the call's BYE after its PRACKs. SIPp plays both parties.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runSipp, sippMissing, startSippServer } from '../support/sipp.ts';
import type { SippResult } from '../support/sipp.ts';
import { callerHearingEarlyMediaOnce } from '../support/scenarios.ts';
import { pcmuOffer, scenario, sdpBody, uasInDialogReply, uasReply } from '../support/sipp-xml.ts';
import { twiml } from '../support/webhook-server.ts';
import { numbers, trunkCallPlatform } from './trunk-call-fixture.ts';

const ok = (result: SippResult, what: string) => assert.equal(result.code, 0, `${what}: sipp exited ${result.code}\n${result.stderr.slice(-1500)}\n${result.stdout.slice(-1500)}`);
const sdp = pcmuOffer();

/** A response to the INVITE sent after other requests came in its dialog: the INVITE's Via, kept, and the PRACK's From, To and Call-ID. */
const inviteResponse = (status: number, reason: string, headers: string[], body?: string) => `  <send>
    <![CDATA[
SIP/2.0 ${status} ${reason}
Via:[$invite_via]
[last_From:]
[last_To:]
[last_Call-ID:]
CSeq: 1 INVITE
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
${headers.map((header) => `${header}\n`).join('')}${sdpBody(body)}
    ]]>
  </send>
`;

const prackNaming = (rack: string, cseq: string, name: string) => `  <recv request="PRACK" crlf="true">
    <action>
      <ereg regexp="^ *${rack}$" search_in="hdr" header="RAck:" check_it="true" assign_to="${name}_rack"/>
      <ereg regexp="^ *${cseq}$" search_in="hdr" header="CSeq:" check_it="true" assign_to="${name}_cseq"/>
    </action>
  </recv>
  <Reference variables="${name}_rack,${name}_cseq"/>
${uasInDialogReply(200, 'OK')}`;

/**
 * Requires Supported: 100rel on the INVITE; sends a reliable 183 with early media (RSeq 7) and
 * expects its PRACK; sends the 183 again (a retransmission that crossed the PRACK), then a
 * reliable 180 (RSeq 8), and expects the 180's PRACK; then answers. The BYE must come numbered
 * after both PRACKs. A second PRACK for RSeq 7 arrives where the one for 8 is expected and fails
 * the RAck check. (Only a last send may draw an answer: SIPp drops a call that gets a request
 * while it still has a message to send.)
 */
const calleeRequiringPrack = () => scenario('callee requiring PRACK', `  <recv request="INVITE" crlf="true">
    <action>
      <ereg regexp="100rel" search_in="hdr" header="Supported:" check_it="true" assign_to="supported"/>
      <ereg regexp=".*" search_in="hdr" header="Via:" assign_to="invite_via"/>
    </action>
  </recv>
  <Reference variables="supported"/>
${uasReply(183, 'Session Progress', { sdp, headers: ['Require: 100rel', 'RSeq: 7'] })}${prackNaming('7 1 INVITE', '2 PRACK', 'first')}${inviteResponse(183, 'Session Progress', ['Require: 100rel', 'RSeq: 7'], sdp)}${inviteResponse(180, 'Ringing', ['Require: 100rel', 'RSeq: 8'])}${prackNaming('8 1 INVITE', '3 PRACK', 'second')}${inviteResponse(200, 'OK', [], sdp)}  <recv request="ACK" crlf="true"/>
  <recv request="BYE">
    <action>
      <ereg regexp="^ *4 BYE$" search_in="hdr" header="CSeq:" check_it="true" assign_to="bye_cseq"/>
    </action>
  </recv>
  <Reference variables="bye_cseq"/>
${uasInDialogReply(200, 'OK')}`);

describe('a callee sending reliable provisional responses', { skip: sippMissing, timeout: 60_000 }, () => {
  const platform = trunkCallPlatform();

  test('gets each new one PRACKed in its early dialog and a retransmission ignored; the caller hears each once, and the BYE comes numbered after the PRACKs', async () => {
    const callee = await startSippServer({ scenario: calleeRequiringPrack(), calls: 1 });
    platform.webhook.route('/voice', twiml(`<Dial timeout="10"><Sip>sip:gateway@127.0.0.1:${callee.port}</Sip></Dial>`));
    const caller = await runSipp({ scenario: callerHearingEarlyMediaOnce({ to: numbers.clinic, absentHeaders: ['RSeq', 'Require'] }), remote: platform.remote, calls: 1 });
    // The callee's verdict first: when it gives up, the caller only sees what stopped coming.
    ok(caller.code === 0 ? await callee.exited : await callee.stop(), 'callee (two PRACKs with RAck 7 and 8, BYE with CSeq 4)');
    ok(caller, 'caller (183 once, unreliable; 180; 200)');
    assert.equal(await platform.worker.metric('switchyard_calls_total', { end: 'completed' }), 1);
  });
});
