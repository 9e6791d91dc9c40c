// A trunk's far end on a UDP socket the test controls: it records every request and answers each
// method with the status the test sets at the time (or not at all), echoing Via, From, To (with a
// tag), Call-ID and CSeq. For the answers SIPp's scenarios cannot give out of a call, such as
// OPTIONS probes that start or stop being answered.
import { createSocket, type Socket } from 'node:dgram';

export class UdpGateway {
  readonly received: string[] = [];
  /** Method → status line answered ('200 OK'); a method not listed gets no answer. */
  readonly answers = new Map<string, string>();
  readonly #socket: Socket;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('message', (data, peer) => {
      const text = data.toString('latin1');
      this.received.push(text);
      const status = this.answers.get(/^(\w+) /.exec(text)?.[1] ?? '');
      if (status === undefined) return;
      const echoed = text.split('\r\n').filter((line) => /^(via|from|to|call-id|cseq):/i.test(line));
      const response = [`SIP/2.0 ${status}`, ...echoed.map((line) => (/^to:/i.test(line) && !line.includes('tag=') ? `${line};tag=gw` : line)), 'Content-Length: 0', '', ''].join('\r\n');
      socket.send(response, peer.port, peer.address);
    });
  }

  static async start(port: number, address = '127.0.0.1'): Promise<UdpGateway> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(port, address, resolve));
    return new UdpGateway(socket);
  }

  get port(): number {
    return this.#socket.address().port;
  }

  /** Requests of `method` received, retransmissions included. */
  requests(method: string): number {
    return this.received.filter((text) => text.startsWith(`${method} `)).length;
  }

  /** Distinct Call-IDs among the requests of `method`: an OPTIONS probe and its retransmissions count once. */
  transactions(method: string): number {
    const callIds = this.received.filter((text) => text.startsWith(`${method} `)).map((text) => /\r\n(?:call-id|i)\s*:\s*([^\r]+)/i.exec(text)?.[1]);
    return new Set(callIds).size;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}
