// SIPp scenarios for calls the REST API places: the party rung (which must get an INVITE with no
// offer, answer with its own, and find the answer in our ACK) and the callee a <Dial> then rings
// (which must get the party's offer). Every check is a regexp with check_it, so a scenario fails
// when the message that crossed the worker lacks it.
import { calleeBye } from './scenarios.ts';
import { pcmuOffer, scenario, uasInDialogReply, uasReply } from './sipp-xml.ts';

/** The session names the two offers carry, so each side can tell whose description it got. */
export const partySession = 's=party-offer';
export const calleeSession = 's=callee-answer';

const partyOffer = pcmuOffer().replace('s=-', partySession);
const calleeAnswer = pcmuOffer().replace('s=-', calleeSession);

/** Receives `what` and checks the whole message against each regexp (`!` first: must not match); `rememberDialog`: what calleeBye needs. */
function receive(what: string, name: string, checks: readonly string[], rememberDialog = false): string {
  const lines = checks.map((check, i) => check.startsWith('!')
    ? `      <ereg regexp="${check.slice(1)}" search_in="msg" check_it_inverse="true" assign_to="${name}${i}"/>`
    : `      <ereg regexp="${check}" search_in="msg" check_it="true" assign_to="${name}${i}"/>`);
  const remember = rememberDialog
    ? `      <ereg regexp="sip:[^>;]*" search_in="hdr" header="Contact:" assign_to="contact"/>
      <ereg regexp=".*" search_in="hdr" header="From:" assign_to="caller"/>
      <ereg regexp=".*" search_in="hdr" header="To:" assign_to="callee"/>\n`
    : '';
  return `  <recv request="${what}" crlf="true">
    <action>
${remember}${lines.join('\n')}
    </action>
  </recv>
  <Reference variables="${checks.map((_, i) => `${name}${i}`).join(',')}"/>
`;
}

/** Our INVITE to the party: no body at all, so no offer. */
const offerless = ['!Content-Type: application/sdp', 'Content-Length: *0'];

/**
 * The party a placed call rings: answers our offerless INVITE with its own offer; our ACK must
 * carry the <Dial> callee's answer; after `holdMs` it hangs up.
 */
export function partyBridged(holdMs: number): string {
  return scenario('placed call: party bridged', `${receive('INVITE', 'invite', offerless, true)}${uasReply(180, 'Ringing')}${uasReply(200, 'OK', { sdp: partyOffer })}${receive('ACK', 'ack', ['Content-Type: application/sdp', 'm=audio [1-9][0-9]* RTP/AVP 0', calleeSession])}  <pause milliseconds="${holdMs}"/>
${calleeBye}`);
}

/** The party of a call whose TwiML connects nobody: our ACK refuses its one stream (port 0), then our BYE. */
export function partyRefused(): string {
  return scenario('placed call: party refused', `${receive('INVITE', 'invite', offerless)}${uasReply(200, 'OK', { sdp: partyOffer })}${receive('ACK', 'ack', ['Content-Type: application/sdp', 'm=audio 0 RTP/AVP 0'])}  <recv request="BYE"/>
${uasInDialogReply(200, 'OK')}`);
}

/** The callee a placed call's <Dial> rings: its INVITE carries the party's offer; it answers and waits for the BYE. */
export function calleeOfPlacedCall(): string {
  return scenario('placed call: callee', `${receive('INVITE', 'invite', ['Content-Type: application/sdp', partySession])}${uasReply(180, 'Ringing')}${uasReply(200, 'OK', { sdp: calleeAnswer })}  <recv request="ACK" crlf="true"/>
  <recv request="BYE"/>
${uasInDialogReply(200, 'OK')}`);
}
