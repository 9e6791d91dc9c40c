// SIPp scenarios for calls with media through the relay. Each party checks that the description
// it gets names the relay (a port in rtpengine's range, `relayPorts` as a pattern), and callers
// and callees that carry media play a PCMU pcap to the address in that description after the ACK.

import { cancelInvite, pcmuOffer, scenario, sdpBody, uasInDialogReply, uasReply } from '../support/sipp-xml.ts';

const sdp = pcmuOffer('a=ptime:20\n');

/** A check that fails the SIPp call unless the message's SDP names a relay port. */
const relayed = (relayPorts: string, variable: string) => `    <action>
      <ereg regexp="m=audio ${relayPorts} " search_in="body" check_it="true" assign_to="${variable}"/>
    </action>
`;

const play = (pcap: string) => `  <nop>
    <action>
      <exec play_pcap_audio="${pcap}"/>
    </action>
  </nop>
`;

function invite(to: string, withSdp: boolean): string {
  return `  <send retrans="500">
    <![CDATA[
INVITE sip:${to}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Media Caller" <sip:+85512000111@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:${to}@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:+85512000111@[local_ip]:[local_port]>
Max-Forwards: 70
${sdpBody(withSdp ? sdp : undefined)}
    ]]>
  </send>
`;
}

const inDialog = (method: string, cseq: number, body = '') => `  <send${method === 'ACK' ? '' : ' retrans="500"'}>
    <![CDATA[
${method} sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[last_From:]
[last_To:]
Call-ID: [call_id]
CSeq: ${cseq} ${method}
Max-Forwards: 70
${method === 'INVITE' ? 'Contact: <sip:+85512000111@[local_ip]:[local_port]>\n' : ''}${sdpBody(body)}
    ]]>
  </send>
`;

export interface MediaCallerOptions {
  to: string;
  relayPorts: string;
  /** Played after the ACK; without it the caller sends no RTP. */
  pcap?: string;
  holdMs: number;
}

/** INVITE with an offer → 200 whose answer names the relay → ACK → RTP for `holdMs` → BYE. */
export function mediaCaller(options: MediaCallerOptions): string {
  return scenario('media caller', `${invite(options.to, true)}  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true">
${relayed(options.relayPorts, 'answer')}  </recv>
  <Reference variables="answer"/>
${inDialog('ACK', 1)}${options.pcap ? play(options.pcap) : ''}  <pause milliseconds="${options.holdMs}"/>
${inDialog('BYE', 2)}  <recv response="200" crlf="true"/>
`);
}

/** INVITE without SDP → 200 whose offer names the relay → ACK with the answer → hold → BYE. */
export function lateOfferCaller(options: Omit<MediaCallerOptions, 'pcap'>): string {
  return scenario('late offer caller', `${invite(options.to, false)}  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rtd="true">
${relayed(options.relayPorts, 'offer')}  </recv>
  <Reference variables="offer"/>
${inDialog('ACK', 1, sdp)}  <pause milliseconds="${options.holdMs}"/>
${inDialog('BYE', 2)}  <recv response="200" crlf="true"/>
`);
}

/** INVITE → 183 whose early media names the relay → CANCEL → 200 and 487 → ACK. */
export function cancellingAfterEarlyMedia(options: { to: string; relayPorts: string }): string {
  return scenario('caller cancelling after early media', `${invite(options.to, true)}  <recv response="100" optional="true"/>
  <recv response="183">
${relayed(options.relayPorts, 'early')}  </recv>
  <Reference variables="early"/>
${cancelInvite(options.to)}${inDialog('ACK', 1)}`);
}

const reply = (status: number, reason: string, withSdp = false, cseq = '[last_CSeq:]') => uasReply(status, reason, { cseq, ...(withSdp ? { sdp } : {}) });

/** Gets an offer naming the relay, rings (for `ringMs`), answers, plays `pcap` after the ACK, waits for the BYE. */
export function mediaCallee(options: { relayPorts: string; pcap?: string; ringMs?: number }): string {
  return scenario('media callee', `  <recv request="INVITE" crlf="true">
${relayed(options.relayPorts, 'offer')}  </recv>
  <Reference variables="offer"/>
${reply(180, 'Ringing')}${options.ringMs ? `  <pause milliseconds="${options.ringMs}"/>\n` : ''}${reply(200, 'OK', true)}  <recv request="ACK" crlf="true"/>
${options.pcap ? play(options.pcap) : ''}  <recv request="BYE"/>
${reply(200, 'OK')}`);
}

/** Gets an INVITE without SDP, offers in its 200, gets the answer (naming the relay) in the ACK, waits for the BYE. */
export function lateOfferCallee(options: { relayPorts: string }): string {
  return scenario('late offer callee', `  <recv request="INVITE" crlf="true"/>
${reply(200, 'OK', true)}  <recv request="ACK" crlf="true">
${relayed(options.relayPorts, 'answer')}  </recv>
  <Reference variables="answer"/>
  <recv request="BYE"/>
${reply(200, 'OK')}`);
}

/** Sends early media (183 with SDP) and rings until cancelled. */
export function earlyMediaUntilCancelled(options: { relayPorts: string }): string {
  return scenario('callee with early media until cancelled', `  <recv request="INVITE" crlf="true">
${relayed(options.relayPorts, 'offer')}  </recv>
  <Reference variables="offer"/>
${reply(183, 'Session Progress', true)}  <recv request="CANCEL"/>
${reply(200, 'OK')}${reply(487, 'Request Terminated', false, 'CSeq: [cseq] INVITE')}  <recv request="ACK" crlf="true"/>
`);
}

/**
 * A session refresh in mid-call: after the ACK the caller re-INVITEs with its description again
 * (a new o= version), gets an answer naming the relay, then plays `pcap` and hangs up.
 */
export function mediaCallerRefreshing(options: MediaCallerOptions & { pcap: string }): string {
  return scenario('media caller refreshing', `${invite(options.to, true)}  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200">
${relayed(options.relayPorts, 'answer')}  </recv>
  <Reference variables="answer"/>
${inDialog('ACK', 1)}  <pause milliseconds="100"/>
${inDialog('INVITE', 2, sdp.replace('53655765 2353687637', '53655765 2353687638'))}  <recv response="100" optional="true"/>
  <recv response="200">
${relayed(options.relayPorts, 'reanswer')}  </recv>
  <Reference variables="reanswer"/>
${inDialog('ACK', 2)}${play(options.pcap)}  <pause milliseconds="${options.holdMs}"/>
${inDialog('BYE', 3)}  <recv response="200" crlf="true"/>
`);
}

/** Answers, gets the caller's refresh as an offer naming the relay, answers it, then plays `pcap` until the BYE. */
export function mediaCalleeRefreshed(options: { relayPorts: string; pcap: string }): string {
  return scenario('media callee refreshed', `  <recv request="INVITE" crlf="true">
${relayed(options.relayPorts, 'offer')}  </recv>
  <Reference variables="offer"/>
${reply(200, 'OK', true)}  <recv request="ACK" crlf="true"/>
  <recv request="INVITE">
${relayed(options.relayPorts, 'reoffer')}  </recv>
  <Reference variables="reoffer"/>
${uasInDialogReply(200, 'OK', { sdp: sdp.replace('53655765 2353687637', '53655765 2353687638') })}  <recv request="ACK" crlf="true"/>
${play(options.pcap)}  <recv request="BYE"/>
${reply(200, 'OK')}`);
}

/** After the ACK the caller re-offers its media on port `port`; the callee refuses (488); the caller keeps the call `holdMs`, then hangs up. */
export function mediaCallerReofferRefused(options: Omit<MediaCallerOptions, 'pcap'> & { port: number }): string {
  const moved = sdp.replace('53655765 2353687637', '53655765 2353687638').replace('m=audio [media_port]', `m=audio ${options.port}`);
  return scenario('media caller re-offer refused', `${invite(options.to, true)}  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200"/>
${inDialog('ACK', 1)}  <pause milliseconds="100"/>
${inDialog('INVITE', 2, moved)}  <recv response="100" optional="true"/>
  <recv response="488"/>
${inDialog('ACK', 2).replace('Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]', '[last_Via:]')}  <pause milliseconds="${options.holdMs}"/>
${inDialog('BYE', 3)}  <recv response="200" crlf="true"/>
`);
}

/** Answers, refuses the re-offer that follows with 488, waits for the BYE. */
export function mediaCalleeRefusingReoffer(): string {
  return scenario('media callee refusing a re-offer', `  <recv request="INVITE" crlf="true"/>
${reply(200, 'OK', true)}  <recv request="ACK" crlf="true"/>
  <recv request="INVITE"/>
${uasInDialogReply(488, 'Not Acceptable Here')}  <recv request="ACK" crlf="true"/>
  <recv request="BYE"/>
${reply(200, 'OK')}`);
}
