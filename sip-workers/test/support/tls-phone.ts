// A scripted phone (scripted-phone.ts) on a TLS connection it opened to a worker: a request
// reaches it only through that connection. SIPp here has no TLS.
import { connect as connectTcp, type Socket } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { parsePhoneMessage, ScriptedPhone } from './scripted-phone.ts';
import { streamMessages } from './sip-text.ts';

export type { PhoneMessage } from './scripted-phone.ts';

export class TlsPhone extends ScriptedPhone {
  readonly #socket: TLSSocket;
  readonly #tcp: Socket;

  private constructor(socket: TLSSocket, tcp: Socket) {
    super('TLS 127.0.0.99:5061', 'tls');
    this.#socket = socket;
    this.#tcp = tcp;
    socket.on('data', streamMessages((text) => this.deliver(parsePhoneMessage(text))));
  }

  static connect(port: number, ca: string): Promise<TlsPhone> {
    return new Promise((resolve, reject) => {
      // TLS over a TCP socket of our own, so drop() can reset it (a TLSSocket has no resetAndDestroy).
      const tcp = connectTcp({ host: '127.0.0.1', port });
      const socket = connect({ socket: tcp, host: '127.0.0.1', ca }, () => resolve(new TlsPhone(socket, tcp)));
      socket.once('error', reject);
      tcp.once('error', reject);
    });
  }

  /** The local port of the connection: the flow the worker must use. */
  get localPort(): number {
    return this.#socket.localPort ?? 0;
  }

  send(text: string): void {
    this.#socket.write(text);
  }

  close(): void {
    this.#socket.destroy();
  }

  /**
   * The connection vanishes as when a NAT forgets it: a reset, so the phone's port is free at
   * once. (A close would leave it in TIME_WAIT, where nobody else may bind it for a minute.)
   */
  drop(): void {
    this.#tcp.resetAndDestroy();
    this.#socket.destroy();
  }
}
