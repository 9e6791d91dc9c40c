// How a fuzzing caller reaches the worker: a UDP socket, or one TCP connection as a carrier's SBC
// keeps (opened again when the worker closes it, as it may after garbled framing). Messages from
// the worker come back whole: datagrams as they are, the TCP stream cut by the worker's own framer.
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { streamMessages } from './sip-text.ts';

export interface CallerLink {
  readonly transport: 'UDP' | 'TCP';
  /** The local port to name in Via and Contact (TCP: the current connection's). */
  readonly localPort: number;
  send(data: Buffer): void;
  close(): void;
}

export async function udpLink(workerPort: number, onMessage: (text: string) => void): Promise<CallerLink> {
  const socket = createSocket('udp4');
  socket.on('message', (data) => onMessage(data.toString('latin1')));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    transport: 'UDP',
    localPort: socket.address().port,
    send: (data) => socket.send(data, workerPort, '127.0.0.1'),
    close: () => socket.close(),
  };
}

export async function tcpLink(workerPort: number, onMessage: (text: string) => void): Promise<CallerLink> {
  let closed = false;
  const open = async (): Promise<Socket> => {
    const socket = connect(workerPort, '127.0.0.1');
    socket.on('data', streamMessages(onMessage));
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', resolve).once('error', () => resolve()));
    return socket;
  };
  let connection = await open();
  let reopening: Promise<void> | undefined;
  const link: CallerLink = {
    transport: 'TCP',
    get localPort() {
      return connection.localPort ?? 0;
    },
    send: (data) => {
      if (closed) return;
      if (!connection.destroyed && connection.writable) {
        connection.write(data);
        return;
      }
      // The worker closed it: like an SBC, open another and carry on (what was in flight is lost).
      reopening ??= open().then((socket) => {
        connection = socket;
        reopening = undefined;
      });
      void reopening.then(() => !closed && connection.write(data));
    },
    close: () => {
      closed = true;
      connection.destroy();
    },
  };
  return link;
}
