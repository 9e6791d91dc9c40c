// SipMessage → wire bytes. Headers go out one field per line under their canonical
// long names; Content-Length is always recomputed from the body so a TU cannot
// send a framing lie on a stream transport.
import { sameHeaderName } from './header-names.ts';
import type { SipMessage } from './message.ts';
import { formatUri } from './uri.ts';

export function startLine(message: SipMessage): string {
  if (message.kind === 'request') return `${message.method} ${formatUri(message.uri)} ${message.version}`;
  return `${message.version} ${message.status} ${message.reason}`;
}

export function serializeMessage(message: SipMessage): Buffer {
  let head = `${startLine(message)}\r\n`;
  for (const field of message.headers) {
    if (sameHeaderName(field.name, 'Content-Length')) continue;
    // A value must never smuggle in a line break (and with it, a header of its own).
    const value = field.value.includes('\r') || field.value.includes('\n') ? field.value.replace(/[\r\n]+/g, ' ') : field.value;
    head += `${field.name}: ${value}\r\n`;
  }
  head += `Content-Length: ${message.body.length}\r\n\r\n`;
  return message.body.length === 0 ? Buffer.from(head, 'utf8') : Buffer.concat([Buffer.from(head, 'utf8'), message.body]);
}
