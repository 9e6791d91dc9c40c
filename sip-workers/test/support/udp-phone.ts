// A scripted phone (scripted-phone.ts) on UDP behind NAT: it sends every request to the worker
// it registered with (its outbound proxy), each response back where its request came from, and
// notes who sent each message it gets, since its NAT would let in only that worker's address and
// port.
import { createSocket, type Socket } from 'node:dgram';
import { parsePhoneMessage, ScriptedPhone } from './scripted-phone.ts';
import type { PhoneMessage } from './scripted-phone.ts';

export class UdpPhone extends ScriptedPhone {
  readonly #socket: Socket;
  readonly #worker: { address: string; port: number };

  private constructor(socket: Socket, worker: { address: string; port: number }) {
    super('UDP 127.0.0.99:5062', 'udp');
    this.#socket = socket;
    this.#worker = worker;
    socket.on('message', (data, remote) => this.deliver(parsePhoneMessage(data.toString('latin1'), { address: remote.address, port: remote.port })));
  }

  /** A phone on 127.0.0.1 (a port of its own) that sends to the worker at 127.0.0.1:`workerPort`. */
  static async open(workerPort: number): Promise<UdpPhone> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new UdpPhone(socket, { address: '127.0.0.1', port: workerPort });
  }

  get localPort(): number {
    return this.#socket.address().port;
  }

  send(text: string): void {
    this.#socket.send(Buffer.from(text, 'latin1'), this.#worker.port, this.#worker.address);
  }

  /** Back to where the request came from, the top Via's sent-by as the worker writes it (§18.2.2). */
  protected override sendResponse(request: PhoneMessage, text: string): void {
    const to = request.source ?? this.#worker;
    this.#socket.send(Buffer.from(text, 'latin1'), to.port, to.address);
  }

  close(): void {
    this.#socket.close();
  }
}
