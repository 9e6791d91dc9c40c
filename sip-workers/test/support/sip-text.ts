// SIP messages as the fuzzing peers in call tests write them: by hand, as lines, so that any
// header can be dropped, doubled or garbled before it goes out. Reading uses parsePhoneMessage.
import type { PhoneMessage } from './scripted-phone.ts';

export type SipLines = string[];

/** Every value of a header (each line of it; comma-joined values stay one). */
export const headerValues = (message: PhoneMessage, name: string): string[] =>
  message.headers.filter(([key]) => key.toLowerCase() === name.toLowerCase()).map(([, value]) => value);

export const cseqOf = (message: PhoneMessage): { number: number; method: string } => {
  const [number = '0', method = ''] = (message.header('CSeq') ?? '').split(/\s+/);
  return { number: Number(number), method };
};

export const methodOf = (message: PhoneMessage): string => message.startLine.split(' ', 1)[0] ?? '';

export const statusOf = (message: PhoneMessage): number => (message.startLine.startsWith('SIP/2.0 ') ? Number(message.startLine.slice(8, 11)) : 0);

/** The URI inside a name-addr (`<sip:…>`), or the value itself. */
export const uriOf = (value: string | undefined): string | undefined => (value === undefined ? undefined : (/<([^>]*)>/.exec(value)?.[1] ?? value.split(';')[0]));

export const withTag = (value: string, tag: string): string => (/;\s*tag=/i.test(value) ? value : `${value};tag=${tag}`);

/** A response to `request`: its Vias, From, Call-ID and CSeq, its To with `toTag` added when it has none. */
export function responseLines(request: PhoneMessage, status: number, reason: string, toTag: string, extra: SipLines = []): SipLines {
  return [
    `SIP/2.0 ${status} ${reason}`,
    ...headerValues(request, 'Via').map((via) => `Via: ${via}`),
    `From: ${request.header('From') ?? ''}`,
    `To: ${status === 100 ? (request.header('To') ?? '') : withTag(request.header('To') ?? '', toTag)}`,
    `Call-ID: ${request.header('Call-ID') ?? ''}`,
    `CSeq: ${request.header('CSeq') ?? ''}`,
    ...extra,
  ];
}

/** Lines and a body → the datagram, with a Content-Length that matches the body. */
export function wire(lines: SipLines, body = ''): Buffer {
  return Buffer.from(`${lines.join('\r\n')}\r\nContent-Length: ${Buffer.byteLength(body, 'latin1')}\r\n\r\n${body}`, 'latin1');
}

export const sdp = (port: number, id: number) =>
  ['v=0', `o=fuzz ${id} ${id} IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 0 8`, 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', ''].join('\r\n');
