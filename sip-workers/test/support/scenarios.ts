// SIPp scenarios for call tests. Callers (UAC) send an INVITE with an SDP offer and check the
// final status they get; callees (UAS) answer, ring, refuse or hang up. Optional provisional
// responses are accepted wherever a worker may send them.

import { cancelInvite, pcmuOffer, requestTerminated, scenario, sdpBody, uasReply } from './sipp-xml.ts';

const sdp = pcmuOffer();

export interface CallerOptions {
  /** Request-URI user and host (default [service]@[remote_ip]:[remote_port]). */
  to?: string;
  host?: string;
  fromUser?: string;
  extraHeaders?: string[];
}

function invite(options: CallerOptions, extra = ''): string {
  const host = options.host ?? '[remote_ip]:[remote_port]';
  const to = options.to ?? '[service]';
  const from = options.fromUser ?? '+85512000111';
  return `  <send retrans="500">
    <![CDATA[
INVITE sip:${to}@${host} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Test Caller" <sip:${from}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:${to}@${host}>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:${from}@[local_ip]:[local_port]>
Max-Forwards: 70
${(options.extraHeaders ?? []).join('\n')}${(options.extraHeaders ?? []).length > 0 ? '\n' : ''}${extra}${sdpBody(sdp)}
    ]]>
  </send>
`;
}

const optionalProvisionals = `  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
`;

const ack = (cseq = 1) => `  <send>
    <![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[last_From:]
[last_To:]
Call-ID: [call_id]
CSeq: ${cseq} ACK
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
`;

const bye = (cseq = 2) => `  <send retrans="500">
    <![CDATA[
BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[last_From:]
[last_To:]
Call-ID: [call_id]
CSeq: ${cseq} BYE
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
`;

/** INVITE, then exactly `status` as the final response (ACKed). */
export function callerExpecting(status: number, options: CallerOptions = {}): string {
  return scenario(`caller expecting ${status}`, `${invite(options)}${optionalProvisionals}  <recv response="${status}"/>
${ack()}`);
}

/** INVITE, then exactly `status` carrying `header` with a value matching `valuePattern` (a regular expression), ACKed. */
export function callerRefusedWithHeader(status: number, header: string, valuePattern: string, options: CallerOptions = {}): string {
  return scenario(`caller expecting ${status} with ${header}`, `${invite(options)}${optionalProvisionals}  <recv response="${status}">
    <action>
      <ereg regexp="${valuePattern}" search_in="hdr" header="${header}:" check_it="true" assign_to="matched"/>
    </action>
  </recv>
  <Reference variables="matched"/>
${ack()}`);
}

/** [header, regular expression] pairs a received message must carry: SIPp ereg checks, and their variables referenced. */
function headerChecks(checks: ReadonlyArray<readonly [string, string]>, absent: readonly string[] = [], requestLine?: string): { actions: string; references: string } {
  const lines = [
    ...checks.map(([header, pattern]) => `regexp="${pattern}" search_in="hdr" header="${header}:" check_it="true"`),
    ...absent.map((header) => `regexp=".+" search_in="hdr" header="${header}:" check_it_inverse="true"`),
    ...(requestLine === undefined ? [] : [`regexp="${requestLine}" search_in="msg" check_it="true"`]),
  ];
  if (lines.length === 0) return { actions: '', references: '' };
  const actions = lines.map((line, i) => `      <ereg ${line} assign_to="checked${i}"/>`).join('\n');
  return { actions: `\n    <action>\n${actions}\n    </action>\n  `, references: `  <Reference variables="${lines.map((_, i) => `checked${i}`).join(',')}"/>\n` };
}

/** INVITE → 200 (carrying `answerHeaders`, when given) → ACK → hold `holdMs` → BYE → 200. */
export function callerAnswered(options: CallerOptions & { holdMs?: number; answerHeaders?: ReadonlyArray<readonly [string, string]> } = {}): string {
  const { actions, references } = headerChecks(options.answerHeaders ?? []);
  return scenario('caller answered', `${invite(options)}${optionalProvisionals}  <recv response="200" rtd="true"${actions === '' ? '/>' : `>${actions}</recv>`}
${references}${ack()}  <pause milliseconds="${options.holdMs ?? 200}"/>
${bye()}  <recv response="200" crlf="true"/>
`);
}

/**
 * INVITE → exactly one 183 (carrying none of `absentHeaders` on it, by name), then a 180 and the
 * 200 → ACK → BYE. A second 183 where the 180 is due fails the call.
 */
export function callerHearingEarlyMediaOnce(options: CallerOptions & { absentHeaders?: readonly string[] } = {}): string {
  const absent = (options.absentHeaders ?? []).map((header, i) => `      <ereg regexp=".+" search_in="hdr" header="${header}:" check_it_inverse="true" assign_to="absent${i}"/>`);
  const references = absent.length === 0 ? '' : `  <Reference variables="${absent.map((_, i) => `absent${i}`).join(',')}"/>\n`;
  return scenario('caller hearing early media once', `${invite(options)}  <recv response="100" optional="true"/>
  <recv response="183"${absent.length === 0 ? '/>' : `>\n    <action>\n${absent.join('\n')}\n    </action>\n  </recv>`}
${references}  <recv response="180"/>
  <recv response="200"/>
${ack()}  <pause milliseconds="200"/>
${bye()}  <recv response="200" crlf="true"/>
`);
}

/**
 * A caller requiring reliable provisional responses (RFC 3262): INVITE with Require: 100rel, the
 * first provisional (`provisional`, carrying Require: 100rel and an RSeq) answered with a PRACK
 * naming it after `prackDelayMs`, the PRACK's 200, then the INVITE's 200 (which must not come
 * before), ACK, BYE.
 */
export function callerPracking(options: CallerOptions & { provisional?: 180 | 183; prackDelayMs?: number } = {}): string {
  const sent = invite({ ...options, extraHeaders: ['Require: 100rel', ...(options.extraHeaders ?? [])] }).replace('<send retrans="500">', '<send retrans="500" start_txn="invite">');
  return scenario('caller pracking', `${sent}  <recv response="100" optional="true" response_txn="invite"/>
  <recv response="${options.provisional ?? 180}" response_txn="invite">
    <action>
      <ereg regexp="[0-9]+" search_in="hdr" header="RSeq:" check_it="true" assign_to="rseq"/>
      <ereg regexp="100rel" search_in="hdr" header="Require:" check_it="true" assign_to="required"/>
    </action>
  </recv>
  <Reference variables="required"/>
  <pause milliseconds="${options.prackDelayMs ?? 0}"/>
  <send retrans="500" start_txn="prack">
    <![CDATA[
PRACK sip:${options.to ?? '[service]'}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[last_From:]
[last_To:]
Call-ID: [call_id]
CSeq: 2 PRACK
RAck: [$rseq] 1 INVITE
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
  <recv response="200" response_txn="prack"/>
  <recv response="200" response_txn="invite" rtd="true"/>
${ack().replace('<send>', '<send ack_txn="invite">')}  <pause milliseconds="100"/>
${bye(3)}  <recv response="200" crlf="true"/>
`);
}

/** INVITE → 200 → ACK, then the callee hangs up: BYE received and answered 200. */
export function callerHungUpOn(options: CallerOptions = {}): string {
  return scenario('caller hung up on', `${invite(options)}${optionalProvisionals}  <recv response="200"/>
${ack()}  <recv request="BYE"/>
  <send>
    <![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

    ]]>
  </send>
`);
}

/** INVITE → waits for 180 → CANCEL → 200 (CANCEL) and 487 (INVITE) → ACK. */
export function callerCancelling(options: CallerOptions = {}): string {
  return scenario('caller cancelling', `${invite(options)}  <recv response="100" optional="true"/>
  <recv response="180"/>
${cancelInvite(options.to ?? '[service]', options.host)}${ack()}`);
}

/** INVITE → 401 → ACK → INVITE with digest credentials → `status` (200 continues to BYE). */
export function callerAuthenticating(status: number, options: CallerOptions & { username: string; password: string }): string {
  const second = invite(options, `[authentication username=${options.username} password=${options.password}]\n`).replace('CSeq: 1 INVITE', 'CSeq: 2 INVITE');
  const end = status === 200 ? `${ack(2)}  <pause milliseconds="100"/>\n${bye(3)}  <recv response="200" crlf="true"/>\n` : ack(2);
  return scenario('caller authenticating', `${invite(options)}  <recv response="100" optional="true"/>
  <recv response="401" auth="true"/>
${ack()}${second}${optionalProvisionals}  <recv response="${status}"/>
${end}`);
}

const reply = (status: number, reason: string, withSdp = false) => uasReply(status, reason, withSdp ? { sdp } : {});

/**
 * A callee that rings, answers (its 2xx adding `answerHeaders`), and waits for the caller's BYE.
 * When given, the INVITE must carry `inviteHeaders` (name, value pattern), none of
 * `absentInviteHeaders`, and a request line matching `requestLine`.
 */
export function calleeAnswering(options: { inviteHeaders?: ReadonlyArray<readonly [string, string]>; absentInviteHeaders?: readonly string[]; requestLine?: string; answerHeaders?: string[] } = {}): string {
  const { actions, references } = headerChecks(options.inviteHeaders ?? [], options.absentInviteHeaders, options.requestLine);
  return scenario('callee answering', `  <recv request="INVITE" crlf="true"${actions === '' ? '/>' : `>${actions}</recv>`}
${references}${reply(180, 'Ringing')}${uasReply(200, 'OK', { sdp, headers: options.answerHeaders ?? [] })}  <recv request="ACK" rtd="true" crlf="true"/>
  <recv request="BYE"/>
${reply(200, 'OK')}`);
}

/** A callee's INVITE, with what its own BYE will need: the caller's Contact, From and To. */
const inviteRememberingDialog = `  <recv request="INVITE" crlf="true">
    <action>
      <ereg regexp="sip:[^>;]*" search_in="hdr" header="Contact:" assign_to="contact"/>
      <ereg regexp=".*" search_in="hdr" header="From:" assign_to="caller"/>
      <ereg regexp=".*" search_in="hdr" header="To:" assign_to="callee"/>
    </action>
  </recv>
`;

/** The callee hanging up: BYE to the caller's Contact, in its dialog, until its 200 comes. */
export const calleeBye = `  <send retrans="500">
    <![CDATA[
BYE [$contact] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: [$callee];tag=[pid]SIPpTag01[call_number]
To: [$caller]
Call-ID: [call_id]
CSeq: 1 BYE
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
  <recv response="200" crlf="true"/>
`;

/** A callee that answers, then hangs up itself after `holdMs`. */
export function calleeHangingUp(holdMs = 200): string {
  return scenario('callee hanging up', `${inviteRememberingDialog}${reply(180, 'Ringing')}${reply(200, 'OK', true)}  <recv request="ACK" crlf="true"/>
  <pause milliseconds="${holdMs}"/>
${calleeBye}`);
}

/**
 * A callee with early media that answers at once and hangs up 100 ms later, before any ACK: a
 * caller requiring 100rel that has not PRACKed the early media has not been sent that 2xx yet.
 */
export function calleeHangingUpBeforeAck(): string {
  return scenario('callee hanging up before the ACK', `${inviteRememberingDialog}${reply(183, 'Session Progress', true)}${reply(200, 'OK', true)}  <pause milliseconds="100"/>
${calleeBye}`);
}

/** A callee (or trunk) that answers every INVITE with `status`. */
export function calleeRefusing(status: number, reason: string, headers: string[] = []): string {
  return scenario(`callee refusing ${status}`, `  <recv request="INVITE" crlf="true"/>
${uasReply(status, reason, { headers })}  <recv request="ACK" crlf="true"/>
`);
}

/** A callee redirecting the call (302) to `contact`, then taking the ACK. */
export function calleeRedirecting(contact: string): string {
  return scenario('callee redirecting', `  <recv request="INVITE" crlf="true"/>
${uasReply(302, 'Moved Temporarily', { contact })}  <recv request="ACK" crlf="true"/>
`);
}

/** A callee sending early media (183 with a description) and its 2xx at once, then waiting for the BYE. */
export function calleeAnsweringWithEarlyMedia(): string {
  return scenario('callee answering with early media', `  <recv request="INVITE" crlf="true"/>
${reply(183, 'Session Progress', true)}${reply(200, 'OK', true)}  <recv request="ACK" crlf="true"/>
  <recv request="BYE"/>
${reply(200, 'OK')}`);
}

/** A callee that rings until the caller cancels: 200 for the CANCEL, 487 for the INVITE. */
export function calleeRingingUntilCancelled(): string {
  return scenario('callee ringing until cancelled', `  <recv request="INVITE" crlf="true"/>
${reply(180, 'Ringing')}  <recv request="CANCEL"/>
${reply(200, 'OK')}${requestTerminated('[last_To:];tag=[pid]SIPpTag01[call_number]', 'CSeq: [cseq] INVITE')}  <recv request="ACK" crlf="true"/>
`);
}

/**
 * A trunk that challenges the first INVITE (401, realm `realm`) and answers the retry 200 only if
 * its digest verifies against username/password; otherwise 403.
 */
export function calleeChallenging(realm: string, username: string, password: string): string {
  return scenario('callee challenging', `  <recv request="INVITE" crlf="true"/>
  <send>
    <![CDATA[
SIP/2.0 401 Unauthorized
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
WWW-Authenticate: Digest realm="${realm}", nonce="5f0c2a9b7e3d41c8a6b2d9e1f4c7a0b3", qop="auth", algorithm=MD5
Content-Length: 0

    ]]>
  </send>
  <recv request="ACK" crlf="true"/>
  <recv request="INVITE" crlf="true">
    <action>
      <verifyauth assign_to="authvalid" username="${username}" password="${password}"/>
    </action>
  </recv>
  <nop hide="true" test="authvalid" next="good"/>
${reply(403, 'Forbidden')}  <recv request="ACK" next="end"/>
  <label id="good"/>
${reply(200, 'OK', true)}  <recv request="ACK" crlf="true"/>
  <recv request="BYE"/>
${reply(200, 'OK')}  <label id="end"/>
`);
}

/**
 * A callee that sends 100 Trying and nothing more until it is cancelled. Once a provisional has
 * come RFC 3261 runs no transaction timer, so only the worker's own <Dial> timeout ends this.
 */
export function calleeTryingUntilCancelled(): string {
  return scenario('callee trying until cancelled', `  <recv request="INVITE" crlf="true"/>
${reply(100, 'Trying')}  <recv request="CANCEL"/>
${reply(200, 'OK')}${requestTerminated('[last_To:];tag=[pid]SIPpTag01[call_number]', 'CSeq: [cseq] INVITE')}  <recv request="ACK" crlf="true"/>
`);
}

/** A callee that rings for `ms` before it answers, then waits for the BYE. */
export function calleeAnsweringAfter(ms: number): string {
  return scenario('callee answering late', `  <recv request="INVITE" crlf="true"/>
${reply(180, 'Ringing')}  <pause milliseconds="${ms}"/>
${reply(200, 'OK', true)}  <recv request="ACK" crlf="true"/>
  <recv request="BYE"/>
${reply(200, 'OK')}`);
}

/**
 * A callee whose 2xx crosses the worker's CANCEL (§9.2 lets it): it answers the CANCEL 200 and the
 * INVITE 200 anyway, and must get an ACK and then a BYE for the call nobody wanted.
 */
export function calleeAnsweringDespiteCancel(): string {
  return scenario('callee answering despite CANCEL', `  <recv request="INVITE" crlf="true"/>
${reply(180, 'Ringing')}  <recv request="CANCEL"/>
${reply(200, 'OK')}${uasReply(200, 'OK', { sdp, cseq: 'CSeq: [cseq] INVITE' })}  <recv request="ACK" crlf="true"/>
  <recv request="BYE"/>
${reply(200, 'OK')}`);
}

/**
 * A caller over TLS (SIPp behind a TLS pipe): the worker's 200 must carry a Contact for TLS, so
 * the caller's in-dialog requests come back over TLS too.
 */
export function callerAnsweredOverTls(options: CallerOptions = {}): string {
  return scenario('caller answered over TLS', `${invite(options)}${optionalProvisionals}  <recv response="200">
    <action>
      <ereg regexp="transport=tls" search_in="hdr" header="Contact:" check_it="true" assign_to="tlsContact"/>
    </action>
  </recv>
  <Reference variables="tlsContact"/>
${ack()}  <pause milliseconds="200"/>
${bye()}  <recv response="200" crlf="true"/>
`);
}

/**
 * A callee reached over TLS (SIPp behind a TLS pipe at `pipePort`): the INVITE's Via must say TLS,
 * and its Contact names the pipe with transport=tls so the worker's ACK and BYE come over TLS too.
 */
export function calleeAnsweringOverTls(pipePort: number): string {
  const overTls = (status: number, reason: string, withSdp = false) => uasReply(status, reason, withSdp ? { sdp } : {}).replace('Contact: <sip:[local_ip]:[local_port];transport=[transport]>', `Contact: <sip:127.0.0.1:${pipePort};transport=tls>`);
  return scenario('callee answering over TLS', `  <recv request="INVITE" crlf="true">
    <action>
      <ereg regexp="SIP/2.0/TLS" search_in="hdr" header="Via:" check_it="true" assign_to="tlsVia"/>
    </action>
  </recv>
  <Reference variables="tlsVia"/>
${overTls(180, 'Ringing')}${overTls(200, 'OK', true)}  <recv request="ACK" crlf="true"/>
  <recv request="BYE"/>
${overTls(200, 'OK')}`);
}
