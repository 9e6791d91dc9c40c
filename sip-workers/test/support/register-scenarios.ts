// SIPp scenarios for registration tests: a phone that REGISTERs (answering the 401 with its
// password) and checks the final status and what the 200 lists, and a registered phone that
// answers a call and checks it was called at its Contact with its AOR in To.

import { pcmuOffer, scenario, uasReply } from './sipp-xml.ts';

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface PhoneRegistering {
  domain: string;
  user: string;
  password: string;
  /** The Contact header value (default <sip:user@[local_ip]:[local_port]>); "*" unregisters everything. */
  contact?: string;
  /** The Expires header, when given. */
  expires?: number;
  /** The final status after the credentials went in (default 200). */
  expect?: number;
  /** Regular expressions the final response must match (a Contact line, say), and ones it must not. */
  present?: string[];
  absent?: string[];
}

function register(options: PhoneRegistering, cseq: number, authentication: string): string {
  const contact = options.contact ?? `<sip:${options.user}@[local_ip]:[local_port]>`;
  return `  <send retrans="500">
    <![CDATA[
REGISTER sip:${options.domain} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:${options.user}@${options.domain}>;tag=[pid]SIPpTag00[call_number]
To: <sip:${options.user}@${options.domain}>
Call-ID: [call_id]
CSeq: ${cseq} REGISTER
Contact: ${contact}
${options.expires === undefined ? '' : `Expires: ${options.expires}\n`}Max-Forwards: 70
User-Agent: SIPp phone
${authentication}Content-Length: 0

    ]]>
  </send>
`;
}

function checks(options: PhoneRegistering): string {
  const present = (options.present ?? []).map((regexp, i) => `      <ereg regexp="${escapeXml(regexp)}" search_in="msg" check_it="true" assign_to="present${i}"/>`);
  const absent = (options.absent ?? []).map((regexp, i) => `      <ereg regexp="${escapeXml(regexp)}" search_in="msg" check_it_inverse="true" assign_to="absent${i}"/>`);
  const all = [...present, ...absent];
  return all.length === 0 ? '' : `\n    <action>\n${all.join('\n')}\n    </action>\n  `;
}

// SIPp refuses a scenario whose variables are assigned and never read, unless they are listed here.
const referenced = (names: string[]) => (names.length === 0 ? '' : `  <Reference variables="${names.join(',')}"/>\n`);

/** REGISTER → 401 → REGISTER with digest credentials → `expect` (checked against present/absent). */
export function phoneRegistering(options: PhoneRegistering): string {
  const final = options.expect ?? 200;
  const body = checks(options);
  const variables = [...(options.present ?? []).map((_, i) => `present${i}`), ...(options.absent ?? []).map((_, i) => `absent${i}`)];
  return scenario(`phone registering, expecting ${final}`, `${register(options, 1, '')}  <recv response="401" auth="true"/>
${register(options, 2, `[authentication username=${options.user} password=${options.password}]\n`)}  <recv response="${final}"${body === '' ? '/>' : `>${body}</recv>`}
${referenced(variables)}`);
}


/**
 * A registered phone answering one call: the INVITE must be for `requestUri` (its Contact) with
 * the user's AOR in To; it rings, answers (its 2xx naming `contact`, by default its own
 * address), and waits for the caller's BYE.
 */
export function registeredPhoneAnswering(requestUri: string, aor: string, contact?: string): string {
  const quoted = (text: string) => text.replace(/[.+?*()[\]]/g, '\\$&');
  return scenario('registered phone answering', `  <recv request="INVITE" crlf="true">
    <action>
      <ereg regexp="^INVITE ${escapeXml(quoted(requestUri))} SIP/2.0" search_in="msg" check_it="true" assign_to="ruri"/>
      <ereg regexp="&lt;${escapeXml(quoted(aor))}&gt;" search_in="hdr" header="To:" check_it="true" assign_to="to"/>
    </action>
  </recv>
${uasReply(180, 'Ringing')}${uasReply(200, 'OK', { sdp: pcmuOffer(), ...(contact === undefined ? {} : { contact }) })}  <recv request="ACK" crlf="true"/>
  <recv request="BYE"/>
${uasReply(200, 'OK')}${referenced(['ruri', 'to'])}`);
}
