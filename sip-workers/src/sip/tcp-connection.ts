// One SIP-over-TCP or TLS connection (RFC 3261 §18.3, §26.2; TLS is TCP with a handshake first): Content-Length framing of what arrives,
// RFC 5626 §4.4.1 CRLF keep-alive pongs, an idle timeout, and bounds on what may sit in
// buffers either way. It never throws: problems are reported and the connection is closed.
import type { Socket } from 'node:net';
import { StreamFramer } from './stream-framer.ts';

export interface TcpConnectionHooks {
  onMessage(data: Buffer, connection: TcpConnection): void;
  onProblem(kind: 'framing-error' | 'idle-timeout' | 'socket-error' | 'write-overflow', detail: string, connection: TcpConnection): void;
  onClose(connection: TcpConnection): void;
}

export interface TcpConnectionLimits {
  idleTimeoutMs: number;
  /** Largest message accepted; also the most a half-received message may hold in memory. */
  maxReadBufferBytes: number;
  /** Unsent output above this means the peer is not reading: the connection is dropped. */
  maxWriteBufferBytes: number;
}

const PONG = Buffer.from('\r\n');

let nextId = 1;

/** Strips the IPv4-mapped prefix a dual-stack socket reports, so addresses compare equal. */
export function plainAddress(address: string): string {
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address;
}

export class TcpConnection {
  readonly id = nextId++;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Whether we opened it (requests we sent) or the peer did. */
  readonly outbound: boolean;
  readonly transport: 'tcp' | 'tls';
  readonly #socket: Socket;
  readonly #framer: StreamFramer;
  readonly #hooks: TcpConnectionHooks;
  readonly #limits: TcpConnectionLimits;
  #open = true;
  #idleTimeoutMs: number;

  constructor(socket: Socket, outbound: boolean, limits: TcpConnectionLimits, hooks: TcpConnectionHooks, transport: 'tcp' | 'tls' = 'tcp') {
    this.#socket = socket;
    this.transport = transport;
    this.#hooks = hooks;
    this.#limits = limits;
    this.outbound = outbound;
    this.remoteAddress = plainAddress(socket.remoteAddress ?? '');
    this.remotePort = socket.remotePort ?? 0;
    this.#framer = new StreamFramer({ maxMessageBytes: limits.maxReadBufferBytes });
    socket.setNoDelay(true);
    this.#idleTimeoutMs = limits.idleTimeoutMs;
    socket.setTimeout(limits.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('timeout', () => {
      this.#hooks.onProblem('idle-timeout', `no traffic for ${this.#idleTimeoutMs} ms`, this);
      this.close();
    });
    socket.on('error', (err) => this.#hooks.onProblem('socket-error', err.message, this));
    socket.on('close', () => this.#closed());
  }

  get open(): boolean {
    return this.#open && !this.#socket.destroyed;
  }

  /** Queues octets; false when the connection is closed or the peer is not draining its input. */
  write(data: Buffer): boolean {
    if (!this.open) return false;
    if (this.#socket.writableLength + data.length > this.#limits.maxWriteBufferBytes) {
      this.#hooks.onProblem('write-overflow', `${this.#socket.writableLength} octets unsent`, this);
      this.close();
      return false;
    }
    this.#socket.write(data);
    return true;
  }

  /**
   * Lets the connection sit idle for at least `ms` from now on: a phone registered over it is
   * reachable only through it, and it may send nothing until it re-registers.
   */
  keepIdleFor(ms: number): void {
    if (ms <= this.#idleTimeoutMs) return;
    this.#idleTimeoutMs = ms;
    this.#socket.setTimeout(ms);
  }

  close(): void {
    if (!this.#socket.destroyed) this.#socket.destroy();
    this.#closed();
  }

  #receive(chunk: Buffer): void {
    for (const event of this.#framer.push(chunk)) {
      if (event.kind === 'message') this.#hooks.onMessage(event.data, this);
      else if (event.kind === 'keepalive') this.write(PONG);
      else {
        // §18.3: after a framing error the stream cannot be resynchronised.
        this.#hooks.onProblem('framing-error', event.detail, this);
        this.close();
        return;
      }
    }
  }

  #closed(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#hooks.onClose(this);
  }
}
