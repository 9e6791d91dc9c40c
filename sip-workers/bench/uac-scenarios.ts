// SIPp UAC scenarios for the load bench. They follow SIPp's built-in `uac` (INVITE with SDP,
// ACK, BYE straight away) and add response-time timers: rtd 1 stops on the 100 Trying, rtd 2 on
// the 200, both counted from the call's first INVITE. The built-in callee (`-sn uas`) answers.

import { pcmuOffer, scenario as sippScenario, sdpBody } from '../test/support/sipp-xml.ts';

const sdp = pcmuOffer();

const scenario = (name: string, body: string) => sippScenario(name, body, '<ResponseTimeRepartition value="5, 10, 20, 50, 100"/>\n');

/** The Request-URI is sip:[service]@HOST, where HOST is the remote address unless a domain is given. */
function invite(host: string, cseq: number, extra = ''): string {
  return `  <send retrans="500">
    <![CDATA[
INVITE sip:[service]@${host} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:+85512000111@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@${host}>
Call-ID: [call_id]
CSeq: ${cseq} INVITE
Contact: <sip:+85512000111@[local_ip]:[local_port]>
Max-Forwards: 70
${extra}${sdpBody(sdp)}
    ]]>
  </send>
`;
}

/**
 * `branch` is [branch] for a new transaction, or [branch-N] to reuse the INVITE's (ACK for a
 * non-2xx). The BYE opens a SIPp transaction so only a 200 to the BYE ends the call (see byeOk).
 */
function request(method: 'ACK' | 'BYE', cseq: number, branch = '[branch]', host = '[remote_ip]:[remote_port]'): string {
  return `  <send${method === 'BYE' ? ' retrans="500" start_txn="bye"' : ''}>
    <![CDATA[
${method} sip:[service]@${host} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=${branch}
[last_From:]
[last_To:]
Call-ID: [call_id]
CSeq: ${cseq} ${method}
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
`;
}

// SIPp matches responses by status alone: a late retransmission of the INVITE's 200 would pass
// for the BYE's 200 and stop SIPp retransmitting a BYE the system under test may not have got,
// leaving a call up there that SIPp counts as completed.
const byeOk = '  <recv response="200" response_txn="bye" crlf="true"/>\n';

// The 100 may be absent (SIPp's uas sends none when called directly); 180 and 183 as in `uac`.
const provisionals = `  <recv response="100" optional="true" rtd="1"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
`;

/** INVITE → (100) → (180) → 200 → ACK → BYE → 200; rtd 1 = time to 100, rtd 2 = time to 200. */
export function plainCaller(): string {
  return scenario('bench caller', `${invite('[remote_ip]:[remote_port]', 1)}${provisionals}  <recv response="200" rtd="2"/>
${request('ACK', 1)}${request('BYE', 2)}${byeOk}`);
}

/**
 * INVITE to a SIP domain → 401 → ACK → INVITE with digest credentials → 200 → ACK → BYE → 200.
 * rtd 2 spans both INVITEs (the setup time a caller sees). The ACK for the 401 reuses the first
 * INVITE's branch ([branch-3]: three scenario messages back) so the worker's INVITE server
 * transaction matches it and stops retransmitting the 401 (RFC 3261 §17.2.1).
 */
export function authenticatingCaller(domain: string, username: string, password: string): string {
  return scenario('bench authenticating caller', `${invite(domain, 1)}  <recv response="100" optional="true" rtd="1"/>
  <recv response="401" auth="true"/>
${request('ACK', 1, '[branch-3]', domain)}${invite(domain, 2, `[authentication username=${username} password=${password}]\n`)}  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="2"/>
${request('ACK', 2)}${request('BYE', 3)}${byeOk}`);
}
