// SIPp scenarios for requests inside an answered call: a caller and a callee that put each
// other on hold with re-INVITE, send DTMF with INFO, refresh the session with UPDATE, refuse a
// re-offer, or cross re-INVITEs (glare). Every check on what crossed the worker is a regexp
// with check_it, so a scenario fails when the relayed message lacks it.
import { cancelOf, pcmuOffer, requestTerminated, scenario, sdpBody, uasInDialogReply } from './sipp-xml.ts';

const offer = pcmuOffer();
const holding = pcmuOffer('a=sendonly\n');
const held = pcmuOffer('a=recvonly\n');

const optionalProvisionals = `  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
`;

/**
 * Checks on the message just received: `body` looks in the whole message, `absent` must match
 * nowhere in it, any other key names the header to look in.
 */
function expecting(checks: Record<string, string>): string {
  const lines = Object.entries(checks).map(([where, regexp], i) => where === 'body' || where === 'absent'
    ? `      <ereg regexp="${regexp}" search_in="msg" ${where === 'absent' ? 'check_it_inverse' : 'check_it'}="true" assign_to="seen${i}"/>`
    : `      <ereg regexp="${regexp}" search_in="hdr" header="${where}:" check_it="true" assign_to="seen${i}"/>`);
  return `    <action>\n${lines.join('\n')}\n    </action>\n`;
}
const referenced = (checks: Record<string, string>) => `  <Reference variables="${Object.keys(checks).map((_, i) => `seen${i}`).join(',')}"/>\n`;

/** Receives `what` (a request method or a response status) and checks it. */
function receive(what: string, checks: Record<string, string> = {}): string {
  const attribute = /^\d+$/.test(what) ? `response="${what}"` : `request="${what}"`;
  if (Object.keys(checks).length === 0) return `  <recv ${attribute}/>\n`;
  return `  <recv ${attribute}>\n${expecting(checks)}  </recv>\n${referenced(checks)}`;
}

const reply = (status: number, reason: string, options: { sdp?: string; headers?: string[] } = {}) => uasInDialogReply(status, reason, options);

/** The caller's request inside its dialog (From/To of the last response it got; the worker's Contact as Request-URI). */
function callerRequest(method: string, cseq: number, options: { sdp?: string; headers?: string[]; body?: { type: string; text: string } } = {}): string {
  const retrans = method === 'ACK' ? '' : ' retrans="500"';
  const body = options.body ? `Content-Type: ${options.body.type}\nContent-Length: [len]\n\n${options.body.text}` : sdpBody(options.sdp);
  return `  <send${retrans}>
    <![CDATA[
${method} [$workerContact] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: [$me]
To: [$peer]
Call-ID: [call_id]
CSeq: ${cseq} ${method}
Contact: <sip:+85512000111@[local_ip]:[local_port]>
Max-Forwards: 70
${(options.headers ?? []).map((h) => `${h}\n`).join('')}${body}
    ]]>
  </send>
`;
}

/** The callee's request inside its dialog, towards the worker's Contact in the INVITE it got. */
function calleeRequest(method: string, cseq: number, options: { sdp?: string } = {}): string {
  return `  <send${method === 'ACK' ? '' : ' retrans="500"'}>
    <![CDATA[
${method} [$workerContact] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: [$me];tag=[pid]SIPpTag01[call_number]
To: [$peer]
Call-ID: [call_id]
CSeq: ${cseq} ${method}
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Max-Forwards: 70
${sdpBody(method === 'ACK' ? undefined : options.sdp)}
    ]]>
  </send>
`;
}

/** The ACK of a non-2xx final response is part of its INVITE's transaction: the INVITE's Via (branch) again (§17.1.1.3). */
const sameTransaction = (request: string) => request.replace('Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]', '[last_Via:]');
const callerNon2xxAck = (cseq: number) => sameTransaction(callerRequest('ACK', cseq));
const calleeNon2xxAck = (cseq: number) => sameTransaction(calleeRequest('ACK', cseq));

/** Remembers the dialog from the message just received: the worker's Contact, and which of From/To is us and which the worker. */
const rememberDialog = (me: 'From' | 'To', peer: 'From' | 'To') => `    <action>
      <ereg regexp="sip:[^>;]*" search_in="hdr" header="Contact:" assign_to="workerContact"/>
      <ereg regexp=".*" search_in="hdr" header="${me}:" assign_to="me"/>
      <ereg regexp=".*" search_in="hdr" header="${peer}:" assign_to="peer"/>
    </action>
`;

const callerInvite = (to: string) => `  <send retrans="500">
    <![CDATA[
INVITE sip:${to}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Test Caller" <sip:+85512000111@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:${to}@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:+85512000111@[local_ip]:[local_port]>
Max-Forwards: 70
${sdpBody(offer)}
    ]]>
  </send>
${optionalProvisionals}  <recv response="200">
${rememberDialog('From', 'To')}  </recv>
  <Reference variables="workerContact,me,peer"/>
`;

/** The callee's side of the call's start: INVITE → 180 → 200 (PCMU) → ACK, remembering the dialog. */
const calleeAnswers = `  <recv request="INVITE" crlf="true">
${rememberDialog('To', 'From')}  </recv>
  <send>
    <![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
${sdpBody(offer)}
    ]]>
  </send>
  <recv request="ACK" crlf="true"/>
  <Reference variables="workerContact,me,peer"/>
`;

const callerHangsUp = (cseq: number) => `${callerRequest('BYE', cseq)}  <recv response="200" crlf="true"/>\n`;
const calleeHungUpOn = `  <recv request="BYE"/>\n${reply(200, 'OK')}`;

/**
 * The caller holds the callee (re-INVITE, a=sendonly) and must get the callee's a=recvonly back;
 * then sends DTMF by INFO and refreshes the session by UPDATE, each answered 200 end to end.
 */
export function callerHoldingAndSendingDtmf(to: string): string {
  return scenario('caller holding and sending DTMF', `${callerInvite(to)}${callerRequest('ACK', 1)}  <pause milliseconds="100"/>
${callerRequest('INVITE', 2, { sdp: holding })}  <recv response="100" optional="true"/>
${receive('200', { body: 'a=recvonly', 'Content-Type': 'application/sdp' })}${callerRequest('ACK', 2)}${callerRequest('INFO', 3, { body: { type: 'application/dtmf-relay', text: 'Signal=5\nDuration=160\n' } })}${receive('200')}${callerRequest('UPDATE', 4, { headers: ['Session-Expires: 1800;refresher=uac', 'Supported: timer, 100rel'] })}${receive('200', { 'Session-Expires': '1800' })}${callerHangsUp(5)}`);
}

/** The callee that answers the hold with a=recvonly and checks the INFO's digit and the UPDATE's Session-Expires. */
export function calleeHeldAndGettingDtmf(): string {
  return scenario('callee held and getting DTMF', `${calleeAnswers}${receive('INVITE', { body: 'a=sendonly' })}${reply(200, 'OK', { sdp: held })}${receive('ACK')}${receive('INFO', { body: 'Signal=5', 'Content-Type': 'application/dtmf-relay' })}${reply(200, 'OK')}${receive('UPDATE', { 'Session-Expires': '1800;refresher=uac', Supported: 'timer', absent: '100rel' })}${reply(200, 'OK', { headers: ['Session-Expires: 1800;refresher=uac', 'Require: timer'] })}${calleeHungUpOn}`);
}

/** The callee holds the caller (its own re-INVITE) and must get a=recvonly back; the caller then hangs up. */
export function calleeHoldingCaller(): string {
  return scenario('callee holding the caller', `${calleeAnswers}  <pause milliseconds="100"/>
${calleeRequest('INVITE', 1, { sdp: holding })}  <recv response="100" optional="true"/>
${receive('200', { body: 'a=recvonly' })}${calleeRequest('ACK', 1)}${calleeHungUpOn}`);
}

/** The caller that is held by the callee: gets the re-INVITE with a=sendonly, answers a=recvonly, then hangs up. */
export function callerHeldByCallee(to: string): string {
  return scenario('caller held by the callee', `${callerInvite(to)}${callerRequest('ACK', 1)}${receive('INVITE', { body: 'a=sendonly' })}${reply(200, 'OK', { sdp: held })}${receive('ACK')}  <pause milliseconds="100"/>
${callerHangsUp(2)}`);
}

/** The caller whose re-offer the callee refuses: it must get that 488, and the call goes on to its BYE. */
export function callerReofferRefused(to: string): string {
  return scenario('caller re-offer refused', `${callerInvite(to)}${callerRequest('ACK', 1)}  <pause milliseconds="100"/>
${callerRequest('INVITE', 2, { sdp: holding })}  <recv response="100" optional="true"/>
  <recv response="488"/>
${callerNon2xxAck(2)}${callerHangsUp(3)}`);
}

/** The caller whose re-INVITE finds the callee's dialog gone: it gets that 481, then the worker's BYE. */
export function callerReinviteIntoLostDialog(to: string): string {
  return scenario('caller re-INVITE into a lost dialog', `${callerInvite(to)}${callerRequest('ACK', 1)}  <pause milliseconds="100"/>
${callerRequest('INVITE', 2, { sdp: holding })}  <recv response="100" optional="true"/>
  <recv response="481"/>
${callerNon2xxAck(2)}${calleeHungUpOn}`);
}

/** A callee that has lost the dialog: 481 to the re-INVITE; the worker then ends its leg too. */
export function calleeWithoutTheDialog(): string {
  return scenario('callee without the dialog', `${calleeAnswers}${receive('INVITE')}${reply(481, 'Call/Transaction Does Not Exist')}  <recv request="ACK" crlf="true"/>
${calleeHungUpOn}`);
}

/** The caller cancels its re-INVITE while the callee rings: 200 for the CANCEL, 487 for the re-INVITE, and the call goes on. */
export function callerCancellingReinvite(to: string): string {
  return scenario('caller cancelling a re-INVITE', `${callerInvite(to)}${callerRequest('ACK', 1)}  <pause milliseconds="100"/>
${callerRequest('INVITE', 2, { sdp: holding })}  <recv response="100"/>
  <pause milliseconds="300"/>
${cancelOf({ requestUri: '[$workerContact]', fromLine: 'From: [$me]', toLine: 'To: [$peer]', cseq: 2 })}${callerNon2xxAck(2)}${callerHangsUp(3)}`);
}

/** The callee rings on the relayed re-INVITE until the worker cancels it: 200 for the CANCEL, 487 for the re-INVITE. */
export function calleeRingingOnReinvite(): string {
  return scenario('callee ringing on a re-INVITE', `${calleeAnswers}  <recv request="INVITE">
    <action>
      <ereg regexp="[0-9]+" search_in="hdr" header="CSeq:" assign_to="reinviteSeq"/>
    </action>
  </recv>
${reply(180, 'Ringing')}  <recv request="CANCEL"/>
${reply(200, 'OK')}${requestTerminated('[last_To:]', 'CSeq: [$reinviteSeq] INVITE')}  <recv request="ACK" crlf="true"/>
${calleeHungUpOn}`);
}

/** The callee refusing a re-offer with 488 (ACKed by the worker, hop by hop), then hung up on. */
export function calleeRefusingReoffer(): string {
  return scenario('callee refusing a re-offer', `${calleeAnswers}${receive('INVITE')}${reply(488, 'Not Acceptable Here')}  <recv request="ACK" crlf="true"/>
${calleeHungUpOn}`);
}

/** The caller re-INVITEs (hold); its re-INVITE crosses the callee's and wins: 200 with a=recvonly. */
export function callerReinvitingIntoGlare(to: string): string {
  return scenario('caller re-INVITE crossing the callee\'s', `${callerInvite(to)}${callerRequest('ACK', 1)}  <pause milliseconds="100"/>
${callerRequest('INVITE', 2, { sdp: holding })}  <recv response="100" optional="true"/>
${receive('200', { body: 'a=recvonly' })}${callerRequest('ACK', 2)}${callerHangsUp(3)}`);
}

/**
 * The callee gets the caller's re-INVITE and, before answering it, sends its own: the worker has
 * an offer in progress, so the callee must get 491 (glare); then it answers the first.
 */
export function calleeCrossingReinvite(): string {
  return scenario('callee crossing a re-INVITE', `${calleeAnswers}  <recv request="INVITE">
    <action>
      <ereg regexp=".*" search_in="hdr" header="Via:" assign_to="firstVia"/>
      <ereg regexp=".*" search_in="hdr" header="CSeq:" assign_to="firstCSeq"/>
    </action>
  </recv>
${calleeRequest('INVITE', 1, { sdp: holding })}  <recv response="100" optional="true"/>
  <recv response="491"/>
${calleeNon2xxAck(1)}  <send>
    <![CDATA[
SIP/2.0 200 OK
Via: [$firstVia]
From: [$peer]
To: [$me];tag=[pid]SIPpTag01[call_number]
Call-ID: [call_id]
CSeq: [$firstCSeq]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
${sdpBody(held)}
    ]]>
  </send>
  <recv request="ACK"/>
${calleeHungUpOn}`);
}

/** `method` with a To tag no dialog of the worker has: it must get 481 (§12.2.2). */
export function outOfDialog(method: string): string {
  return scenario(`${method} outside a dialog`, `  <send retrans="500">
    <![CDATA[
${method} sip:+85523900100@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:+85512000111@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:+85523900100@[remote_ip]:[remote_port]>;tag=no-such-dialog
Call-ID: [call_id]
CSeq: 1 ${method}
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
  <recv response="481"/>
`);
}

/** The caller answers the worker's in-dialog OPTIONS 200, then hangs up. */
export function callerAnsweringKeepalive(to: string): string {
  return scenario('caller answering keepalive', `${callerInvite(to)}${callerRequest('ACK', 1)}${receive('OPTIONS')}${reply(200, 'OK')}${callerHangsUp(2)}`);
}

/** The callee answers the worker's in-dialog OPTIONS with `status`; 481 says it no longer has the call, so the worker's BYE follows. */
export function calleeAnsweringKeepalive(status: 200 | 481): string {
  return scenario(`callee answering keepalive ${status}`, `${calleeAnswers}${receive('OPTIONS')}${reply(status, status === 200 ? 'OK' : 'Call/Transaction Does Not Exist')}${calleeHungUpOn}`);
}

/** The caller of a call the worker ends: its own OPTIONS may come first (left unanswered), then the BYE. */
export function callerHungUpByWorker(to: string): string {
  return scenario('caller hung up by the worker', `${callerInvite(to)}${callerRequest('ACK', 1)}  <recv request="OPTIONS" optional="true"/>
${calleeHungUpOn}`);
}
