// The pieces every SIPp scenario here is built from (call tests, media and registration tests,
// the load bench): the document around the steps, a PCMU offer, a message's body lines and a
// UAS reply to the last request. SIPp fills in the [bracketed] keywords.

/** A scenario document; `trailer` goes after the steps (e.g. a ResponseTimeRepartition). */
export function scenario(name: string, body: string, trailer = ''): string {
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="${name}">
${body}
${trailer}</scenario>
`;
}

/** A one-stream PCMU offer at SIPp's media address; `extraLines` end with a newline. */
export const pcmuOffer = (extraLines = '') => `v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
${extraLines}`;

/** The Content-Type and Content-Length lines and the body of an SDP message, or an empty body. */
export const sdpBody = (sdp: string | undefined) => (sdp ? `Content-Type: application/sdp
Content-Length: [len]

${sdp}` : 'Content-Length: 0\n');

/** A response to the last request received, with our tag in To; `cseq` replaces the echoed CSeq line. */
export const uasReply = (status: number, reason: string, options: { sdp?: string; cseq?: string; contact?: string; headers?: string[] } = {}) => `  <send>
    <![CDATA[
SIP/2.0 ${status} ${reason}
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
${options.cseq ?? '[last_CSeq:]'}
Contact: ${options.contact ?? '<sip:[local_ip]:[local_port];transport=[transport]>'}
${(options.headers ?? []).map((header) => `${header}\n`).join('')}${sdpBody(options.sdp)}
    ]]>
  </send>
`;

/** A response to a request received inside the dialog (its To already has our tag). */
export const uasInDialogReply = (status: number, reason: string, options: { sdp?: string; headers?: string[] } = {}) => `  <send>
    <![CDATA[
SIP/2.0 ${status} ${reason}
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
${(options.headers ?? []).map((h) => `${h}\n`).join('')}${sdpBody(options.sdp)}
    ]]>
  </send>
`;

/**
 * CANCEL of the INVITE just sent (the last message's Via carries its branch), with that INVITE's
 * Request-URI, From, To and CSeq number; then the CANCEL's 200 and the INVITE's 487.
 */
export const cancelOf = (invite: { requestUri: string; fromLine: string; toLine: string; cseq: number }) => `  <send>
    <![CDATA[
CANCEL ${invite.requestUri} SIP/2.0
[last_Via:]
${invite.fromLine}
${invite.toLine}
Call-ID: [call_id]
CSeq: ${invite.cseq} CANCEL
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
  <recv response="487"/>
`;

/** CANCEL of the INVITE sent to sip:USER@HOST (its branch and CSeq number), then its 200 and the INVITE's 487. */
export const cancelInvite = (user: string, host = '[remote_ip]:[remote_port]') =>
  cancelOf({ requestUri: `sip:${user}@${host}`, fromLine: '[last_From:]', toLine: `To: <sip:${user}@${host}>`, cseq: 1 });

/** 487 for the INVITE a CANCEL (the last message) ended: `to` and `cseq` are that INVITE's To line and CSeq line. */
export const requestTerminated = (to: string, cseq: string) => `  <send>
    <![CDATA[
SIP/2.0 487 Request Terminated
[last_Via:]
[last_From:]
${to}
[last_Call-ID:]
${cseq}
Content-Length: 0

    ]]>
  </send>
`;
