// Waits until something answers SIP on a UDP port: an OPTIONS every 100 ms until any response
// comes back (the worker answers 200, the Kamailio config 501; either means it is serving).
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { optionsRequest } from '../test/support/options-probe.ts';

export async function waitForSip(host: string, port: number, timeoutMs = 10_000): Promise<void> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port: localPort } = socket.address();
  const answered = new Promise<void>((resolve) => socket.once('message', () => resolve()));
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const options = optionsRequest(host, port, localPort, randomBytes(8).toString('hex'));
      socket.send(options, port, host);
      const result = await Promise.race([answered.then(() => 'up' as const), new Promise<'wait'>((resolve) => setTimeout(() => resolve('wait'), 100))]);
      if (result === 'up') return;
      if (Date.now() > deadline) throw new Error(`nothing answered SIP on ${host}:${port} within ${timeoutMs} ms`);
    }
  } finally {
    socket.close();
  }
}

/** Fails when something already holds the UDP port (a Kamailio or SIPp left over would answer in our place). */
export async function assertUdpPortFree(host: string, port: number): Promise<void> {
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => resolve());
    });
  } catch (error) {
    throw new Error(`UDP ${host}:${port} is in use (${(error as Error).message}): the bench needs it free`, { cause: error });
  } finally {
    socket.close();
  }
}
