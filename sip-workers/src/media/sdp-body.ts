// Which message bodies are session descriptions the relay must rewrite. Only a bare
// application/sdp body is; multipart bodies (SIP-I, SIP-T) are not taken apart yet.
import type { SipRequest, SipResponse } from '../sip/message.ts';
import { headerValue } from '../sip/message.ts';

export function isSdpContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.split(';')[0]?.trim().toLowerCase() === 'application/sdp';
}

/** The message's session description, or undefined when it carries none. */
export function sdpOf(message: SipRequest | SipResponse): Buffer | undefined {
  return message.body.length > 0 && isSdpContentType(headerValue(message, 'Content-Type')) ? message.body : undefined;
}
