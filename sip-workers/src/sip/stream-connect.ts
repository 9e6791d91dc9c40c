// Opening the connections requests go out on (§18.1.1): TCP, or TLS whose server certificate is
// checked against our CAs and, when the destination is a host name (or an address located from
// one), against that name (RFC 5922 §7). Either gives up after `timeoutMs`; failures come back as a reason, never thrown.
import { connect, isIP } from 'node:net';
import type { Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

function opened(socket: Socket, ready: 'connect' | 'secureConnect', what: string, timeoutMs: number): Promise<Socket | string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(`${what} timed out`);
    }, timeoutMs);
    socket.once('error', (err: Error) => {
      clearTimeout(timer);
      resolve(`${what}: ${err.message}`);
    });
    socket.once(ready, () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}

export function openTcpStream(address: string, port: number, timeoutMs: number): Promise<Socket | string> {
  return opened(connect({ host: address, port }), 'connect', `connect to ${address}:${port}`, timeoutMs);
}

/** `serverName`: the name the certificate must carry when `address` was located from it (RFC 5922 §4). */
export function openTlsStream(address: string, port: number, ca: string | Buffer | undefined, timeoutMs: number, serverName?: string): Promise<Socket | string> {
  const name = serverName ?? (isIP(address) === 0 ? address : undefined);
  const socket = connectTls({
    host: address,
    port,
    ...(name === undefined ? {} : { servername: name }),
    ...(ca === undefined ? {} : { ca }),
    rejectUnauthorized: true,
  });
  return opened(socket, 'secureConnect', `tls connect to ${address}:${port}`, timeoutMs);
}
