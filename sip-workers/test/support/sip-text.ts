// SIP messages as the fuzzing peers in call tests write them: by hand, as lines, so that any
// header can be dropped, doubled or garbled before it goes out. Reading uses parsePhoneMessage.
import { StreamFramer } from '../../src/sip/stream-framer.ts';
import type { PhoneMessage } from './scripted-phone.ts';

export type SipLines = string[];

export const cseqOf = (message: PhoneMessage): { number: number; method: string } => {
  const [number = '0', method = ''] = (message.header('CSeq') ?? '').split(/\s+/);
  return { number: Number(number), method };
};

export const methodOf = (message: PhoneMessage): string => message.startLine.split(' ', 1)[0] ?? '';

export const statusOf = (message: PhoneMessage): number => (message.startLine.startsWith('SIP/2.0 ') ? Number(message.startLine.slice(8, 11)) : 0);

/** The URI inside a name-addr (`<sip:…>`), or the value itself. */
export const uriOf = (value: string | undefined): string | undefined => (value === undefined ? undefined : (/<([^>]*)>/.exec(value)?.[1] ?? value.split(';')[0]));

export const withTag = (value: string, tag: string): string => (/;\s*tag=/i.test(value) ? value : `${value};tag=${tag}`);

/**
 * A response to `request`: its Vias, From, Call-ID, CSeq and Record-Routes echoed as written
 * (§12.1.1: a UAS copies the Record-Route of a dialog-creating request), its To with `toTag`
 * added when it has none (a 100 Trying is left untagged).
 */
export function responseLines(request: PhoneMessage, status: number, reason: string, toTag: string, extra: SipLines = []): SipLines {
  const echoed = request.headers.filter(([name]) => /^(via|v|from|f|call-id|i|cseq|record-route)$/i.test(name)).map(([name, value]) => `${name}: ${value}`);
  const to = request.header('To') ?? request.header('t') ?? '';
  return [`SIP/2.0 ${status} ${reason}`, ...echoed, `To: ${status === 100 ? to : withTag(to, toTag)}`, ...extra];
}

/** Lines and a body → the datagram, with a Content-Length that matches the body. */
export function wire(lines: SipLines, body = ''): Buffer {
  return Buffer.from(`${lines.join('\r\n')}\r\nContent-Length: ${Buffer.byteLength(body, 'latin1')}\r\n\r\n${body}`, 'latin1');
}

export const sdp = (port: number, id: number) =>
  ['v=0', `o=fuzz ${id} ${id} IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 0 8`, 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', ''].join('\r\n');

/** Whole messages' text off a byte stream (TCP, TLS), framed by Content-Length with the worker's own framer. */
export function streamMessages(onMessage: (text: string) => void): (chunk: Buffer) => void {
  const framer = new StreamFramer();
  return (chunk) => {
    for (const event of framer.push(chunk)) if (event.kind === 'message') onMessage(event.data.toString('latin1'));
  };
}
