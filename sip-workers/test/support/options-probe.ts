// One OPTIONS over UDP to a worker on loopback, as a carrier's SBC probes it: resolves with the
// final response.
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { SipResponse } from '../../src/sip/message.ts';
import { parseMessage } from '../../src/sip/parser.ts';

/** An OPTIONS as an SBC's health check sends it, from 127.0.0.1:localPort (with rport, as SBCs send it). */
export function optionsRequest(host: string, port: number, localPort: number, id: string): string {
  return [
    `OPTIONS sip:${host}:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${localPort};branch=z9hG4bK${id};rport`,
    `From: <sip:sbc@127.0.0.1:${localPort}>;tag=${id}`,
    `To: <sip:${host}:${port}>`,
    `Call-ID: ${id}@probe`,
    'CSeq: 1 OPTIONS',
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

export async function sendOptions(port: number, timeoutMs = 3000): Promise<SipResponse> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port: localPort } = socket.address();
  const options = optionsRequest('127.0.0.1', port, localPort, randomBytes(8).toString('hex'));
  try {
    return await new Promise<SipResponse>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no final answer to OPTIONS from 127.0.0.1:${port} within ${timeoutMs} ms`)), timeoutMs);
      socket.on('message', (data) => {
        const parsed = parseMessage(data);
        if (!parsed.ok || parsed.message.kind !== 'response' || parsed.message.status < 200) return;
        clearTimeout(timer);
        resolve(parsed.message);
      });
      socket.send(options, port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}
