// How a fuzzing caller reaches the worker: a UDP socket, or one TCP connection as a carrier's SBC
// keeps (opened again when the worker closes it, as it may after garbled framing). Messages from
// the worker come back whole: datagrams as they are, the TCP stream cut at each message's end by
// its Content-Length.
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';

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

/** Whole messages off a byte stream; what cannot be framed (no Content-Length in sight) is dropped with the rest of the buffer. */
function framer(onMessage: (text: string) => void): (data: Buffer) => void {
  let buffered = '';
  return (data) => {
    buffered += data.toString('latin1');
    for (;;) {
      const headEnd = buffered.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const length = /\r\n(?:Content-Length|l)\s*:\s*(\d+)/i.exec(buffered.slice(0, headEnd))?.[1];
      const end = headEnd + 4 + Number(length ?? 0);
      if (buffered.length < end) return;
      onMessage(buffered.slice(0, end));
      buffered = buffered.slice(end);
    }
  };
}

export async function tcpLink(workerPort: number, onMessage: (text: string) => void): Promise<CallerLink> {
  let closed = false;
  const open = async (): Promise<Socket> => {
    const socket = connect(workerPort, '127.0.0.1');
    socket.on('data', framer(onMessage));
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
