// A scripted phone (scripted-phone.ts) on UDP behind NAT: it sends every request to the worker
// it registered with (its outbound proxy), each response back where its request came from, and
// notes who sent each message it gets, since its NAT would let in only that worker's address and
// port.
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { parsePhoneMessage, ScriptedPhone } from './scripted-phone.ts';
import type { PhoneMessage } from './scripted-phone.ts';

export class UdpPhone extends ScriptedPhone {
  readonly #socket: Socket;
  #worker: { address: string; port: number };

  private constructor(socket: Socket, worker: { address: string; port: number }) {
    super('UDP 127.0.0.99:5062', 'udp');
    this.#socket = socket;
    this.#worker = worker;
    socket.on('message', (data, remote) => {
      // STUN's first two bits are 0; a SIP message starts with a letter.
      if ((data[0] ?? 0xff) < 0x40) this.#stunAnswers.push(data);
      else this.deliver(parsePhoneMessage(data.toString('latin1'), { address: remote.address, port: remote.port }));
    });
  }

  readonly #stunAnswers: Buffer[] = [];

  /**
   * A STUN keep-alive over the flow (RFC 5626 §4.4.2): a Binding request to the worker, and the
   * address its answer says the worker sees (XOR-MAPPED-ADDRESS, decoded here by hand for IPv4),
   * or undefined when none came in `ms`.
   */
  async stunKeepAlive(ms = 2000): Promise<{ address: string; port: number } | undefined> {
    const transactionId = randomBytes(12);
    this.#socket.send(Buffer.concat([Buffer.from('000100002112a442', 'hex'), transactionId]), this.#worker.port, this.#worker.address);
    const deadline = performance.now() + ms;
    for (;;) {
      const answer = this.#stunAnswers.find((data) => data.subarray(8, 20).equals(transactionId));
      if (answer) {
        if (answer.readUInt16BE(0) !== 0x0101) throw new Error(`STUN answer of type 0x${answer.readUInt16BE(0).toString(16)}`);
        const at = answer.indexOf(Buffer.from([0x00, 0x20, 0x00, 0x08]), 20);
        if (at < 0) throw new Error('no IPv4 XOR-MAPPED-ADDRESS');
        const port = answer.readUInt16BE(at + 6) ^ 0x2112;
        const address = [0x21, 0x12, 0xa4, 0x42].map((cookie, index) => (answer[at + 8 + index] ?? 0) ^ cookie).join('.');
        return { address, port };
      }
      // RFC 5626 §4.4.2: no answer, and the phone counts its flow as failed.
      if (performance.now() > deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** A phone on 127.0.0.1 (a port of its own) that sends to the worker at 127.0.0.1:`workerPort`. */
  static async open(workerPort: number): Promise<UdpPhone> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new UdpPhone(socket, { address: '127.0.0.1', port: workerPort });
  }

  /** From now on its packets reach the worker on `workerPort`, as a Service's do once the pod they reached is gone. */
  reachWorker(workerPort: number): void {
    this.#worker = { address: '127.0.0.1', port: workerPort };
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
