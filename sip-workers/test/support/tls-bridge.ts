// SIPp here is built without TLS, so call tests put it behind a byte pipe that adds TLS: SIPp
// still speaks every SIP message itself (over TCP), and the worker sees a TLS peer presenting a
// real certificate, or a TLS server whose certificate it must verify. Nothing is parsed here.
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { connect as connectTls, createServer as createTlsServer } from 'node:tls';
import type { TestCertificate } from './tls-certificate.ts';

export interface TlsBridge {
  port: number;
  close(): Promise<void>;
}

function splice(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  const end = () => {
    a.destroy();
    b.destroy();
  };
  a.on('error', end).on('close', end);
  b.on('error', end).on('close', end);
}

async function listening(server: Server): Promise<TlsBridge> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A TCP port whose connections go on as TLS to 127.0.0.1:`tlsPort`, trusting `ca` (a SIPp caller → a worker's TLS port). */
export function tcpToTls(tlsPort: number, ca: string): Promise<TlsBridge> {
  return listening(createServer((plain) => splice(plain, connectTls({ host: '127.0.0.1', port: tlsPort, ca }))));
}

/** A TLS port (serving `certificate`) whose connections go on as TCP to 127.0.0.1:`tcpPort` (a worker → a SIPp callee). */
export function tlsToTcp(tcpPort: number, certificate: TestCertificate): Promise<TlsBridge> {
  return listening(createTlsServer({ key: certificate.key, cert: certificate.cert }, (secure) => splice(secure, connect({ host: '127.0.0.1', port: tcpPort }))));
}
