// A client for rtpengine's ng control protocol: each command is "<cookie> <bencoded dictionary>"
// in one UDP datagram, and the reply carries the same cookie. UDP loses datagrams, so a command
// is sent again every `retransmitMs` with the same cookie until a reply comes or `timeoutMs`
// passes; rtpengine remembers the cookies it answered and replays its reply instead of acting
// twice, which is what makes retransmitting an offer or a delete safe.
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { bdecode, bencode } from './bencode.ts';
import type { BencodeValue } from './bencode.ts';

export type NgDictionary = { [key: string]: BencodeValue };

/** A relay's control address; `host` is an IP literal (names are resolved before, see relay-pool.ts). */
export interface NgAddress {
  host: string;
  port: number;
}

export class NgTimeoutError extends Error {
  constructor(command: string, to: NgAddress, timeoutMs: number) {
    super(`rtpengine at ${formatNgAddress(to)} did not answer '${command}' within ${timeoutMs} ms`);
  }
}

export const formatNgAddress = (address: NgAddress) => (isIPv6(address.host) ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`);

export interface NgClientOptions {
  retransmitMs?: number;
  timeoutMs?: number;
  /** A datagram that is not a reply to a pending command (late, duplicated, garbled). */
  onStray?: (detail: string) => void;
}

interface Pending {
  resolve: (reply: NgDictionary) => void;
  reject: (error: Error) => void;
  retransmit: NodeJS.Timeout;
  deadline: NodeJS.Timeout;
}

export class NgClient {
  readonly #retransmitMs: number;
  readonly #timeoutMs: number;
  readonly #onStray: (detail: string) => void;
  /** Unique per client: rtpengine caches replies by cookie, and a restarted worker must not be served another's. */
  readonly #cookiePrefix = randomBytes(6).toString('hex');
  #sequence = 0;
  readonly #pending = new Map<string, Pending>();
  readonly #sockets = new Map<'udp4' | 'udp6', Promise<Socket>>();
  #closed = false;

  constructor(options: NgClientOptions = {}) {
    this.#retransmitMs = options.retransmitMs ?? 500;
    this.#timeoutMs = options.timeoutMs ?? 2000;
    this.#onStray = options.onStray ?? (() => undefined);
  }

  /** Sends one command and resolves with rtpengine's reply dictionary, whatever its `result`. */
  async request(to: NgAddress, message: NgDictionary): Promise<NgDictionary> {
    if (this.#closed) throw new Error('ng client closed');
    const socket = await this.#socket(isIPv6(to.host) ? 'udp6' : 'udp4');
    const cookie = `${this.#cookiePrefix}${(this.#sequence++).toString(36)}`;
    const datagram = Buffer.concat([Buffer.from(`${cookie} `, 'latin1'), bencode(message)]);
    const command = typeof message.command === 'string' ? message.command : '?';
    return new Promise<NgDictionary>((resolve, reject) => {
      const send = () => socket.send(datagram, to.port, to.host, (error) => error && this.#onStray(`send to ${formatNgAddress(to)}: ${error.message}`));
      const settle = () => {
        clearInterval(pending.retransmit);
        clearTimeout(pending.deadline);
        this.#pending.delete(cookie);
      };
      const pending: Pending = {
        resolve: (reply) => {
          settle();
          resolve(reply);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
        retransmit: setInterval(send, this.#retransmitMs),
        deadline: setTimeout(() => pending.reject(new NgTimeoutError(command, to, this.#timeoutMs)), this.#timeoutMs),
      };
      this.#pending.set(cookie, pending);
      send();
    });
  }

  /** Fails what is pending and closes the sockets. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const pending of this.#pending.values()) pending.reject(new Error('ng client closed'));
    const sockets = await Promise.all(this.#sockets.values());
    await Promise.all(sockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
  }

  #socket(type: 'udp4' | 'udp6'): Promise<Socket> {
    let socket = this.#sockets.get(type);
    if (!socket) {
      socket = new Promise((resolve, reject) => {
        const created = createSocket(type);
        created.on('message', (datagram) => this.#reply(datagram));
        created.on('error', (error) => this.#onStray(`socket: ${error.message}`));
        created.once('error', reject);
        created.bind(0, () => {
          created.off('error', reject);
          // Pending commands keep the process alive through their timers; an idle socket must not.
          created.unref();
          resolve(created);
        });
      });
      this.#sockets.set(type, socket);
    }
    return socket;
  }

  #reply(datagram: Buffer): void {
    const space = datagram.indexOf(0x20);
    const cookie = space > 0 ? datagram.toString('latin1', 0, space) : '';
    const pending = this.#pending.get(cookie);
    if (!pending) {
      this.#onStray(`reply with unknown cookie ${JSON.stringify(cookie.slice(0, 40))}`);
      return;
    }
    let reply: BencodeValue;
    try {
      reply = bdecode(datagram, space + 1);
    } catch (error) {
      pending.reject(new Error(`rtpengine sent an unreadable reply: ${(error as Error).message}`));
      return;
    }
    if (typeof reply !== 'object' || Array.isArray(reply)) {
      pending.reject(new Error('rtpengine sent a reply that is not a dictionary'));
      return;
    }
    pending.resolve(reply);
  }
}
