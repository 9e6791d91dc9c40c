// The SIP transport layer (RFC 3261 §18, RFC 3581): UDP and TCP bound on one host:port, and
// TLS (§26.2) on a port of its own when given a certificate; received messages handed up with
// where they came from, responses routed back per §18.2.2, requests sent to a destination, and
// phones' STUN keep-alives on the UDP port (RFC 5626 §8) answered beside SIP. Nothing here throws
// on the receive path; problems go to the onError hook and the offending datagram or connection
// is dropped.
import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6 } from 'node:net';
import type { Server, Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Server as TlsServer } from 'node:tls';
import type { SipMessage, SipResponse } from './message.ts';
import { parseMessage } from './parser.ts';
import type { Framing, ParseResult } from './parser.ts';
import { createBadRequestResponse, stampReceived } from './response-builder.ts';
import { DEFAULT_SIP_PORT, DEFAULT_SIPS_PORT, responseDestination } from './response-routing.ts';
import type { Destination, TransportKind } from './response-routing.ts';
import { serializeMessage } from './serializer.ts';
import { answerStun, isStunMessage } from './stun.ts';
import { openTcpStream, openTlsStream } from './stream-connect.ts';
import { TcpConnection, plainAddress } from './tcp-connection.ts';
import type { TcpConnectionLimits } from './tcp-connection.ts';
import { socketHost } from './uri.ts';
import type { SendResult, SipTransportOptions, StunOutcome, TlsSettings, TransportEvent } from './transport-options.ts';
import { topVia } from './via.ts';

export type { Destination, TransportKind } from './response-routing.ts';
export type { TcpConnection } from './tcp-connection.ts';
export type { SendResult, SipTransportOptions, StunOutcome, TlsSettings, TransportEvent, TransportEventKind } from './transport-options.ts';

/** Where a message came from; `connection` is set for TCP and TLS and is where its responses go. */
export interface MessageSource {
  address: string;
  port: number;
  transport: TransportKind;
  connection?: TcpConnection;
}

export type MessageHandler = (message: SipMessage, source: MessageSource) => void;

const BIND_ATTEMPTS = 10;

function isKeepalive(data: Buffer): boolean {
  return data.every((byte) => byte === 13 || byte === 10);
}

function remoteKey(address: string, port: number, transport: 'tcp' | 'tls'): string {
  return `${transport}|${plainAddress(address).toLowerCase()}|${port}`;
}

export class SipTransport {
  readonly host: string;
  readonly advertisedHost: string;
  /** advertisedHost as a Via's sent-by writes it (IPv6 in brackets), worked out once: it goes on every request sent. */
  readonly #sentByHost: string;
  readonly #options: SipTransportOptions;
  readonly #limits: TcpConnectionLimits;
  readonly #connections = new Map<string, TcpConnection>();
  readonly #connecting = new Map<string, Promise<TcpConnection | string>>();
  #udp: UdpSocket | undefined;
  #tcp: Server | undefined;
  #tls: TlsServer | undefined;
  #port = 0;
  #tlsPort = 0;
  #handler: MessageHandler | undefined;
  #flowClosed: ((flow: { transport: 'tcp' | 'tls'; address: string; port: number }) => void) | undefined;
  #stunFrom: (address: string, port: number) => boolean = () => true;
  #closed = false;
  /** Datagrams to send at the end of this turn of the event loop (see #sendUdp). */
  #outbox: Array<{ data: Buffer; destination: Destination; resolve: (result: SendResult) => void }> = [];

  private constructor(options: SipTransportOptions) {
    this.#options = options;
    this.host = options.host ?? '127.0.0.1';
    this.advertisedHost = options.advertisedHost ?? this.host;
    this.#sentByHost = isIPv6(this.advertisedHost) ? `[${this.advertisedHost}]` : this.advertisedHost;
    this.#limits = {
      idleTimeoutMs: options.tcpIdleTimeoutMs ?? 120_000,
      maxReadBufferBytes: options.tcpMaxReadBufferBytes ?? 64 * 1024,
      maxWriteBufferBytes: options.tcpMaxWriteBufferBytes ?? 1024 * 1024,
    };
  }

  /** Binds UDP and TCP on the same port (retrying ephemeral ports taken by someone else on TCP). */
  static async listen(options: SipTransportOptions = {}): Promise<SipTransport> {
    const transport = new SipTransport(options);
    await transport.#bind(options.port ?? 0);
    if (options.tls) {
      try {
        await transport.#listenTls(options.tls);
      } catch (err) {
        await transport.close();
        throw err;
      }
    }
    return transport;
  }

  /** The TLS port (0 without TLS). */
  get tlsPort(): number {
    return this.#tlsPort;
  }

  /** New key and certificate for connections accepted from now on (a renewed certificate). */
  setTlsCredentials(credentials: { key: string | Buffer; cert: string | Buffer }): void {
    this.#tls?.setSecureContext({ key: credentials.key, cert: credentials.cert });
  }

  /** What the kernel lets wait unread on the UDP socket before it drops datagrams (0 before bind). */
  get udpReceiveBufferBytes(): number {
    return this.#udp?.getRecvBufferSize() ?? 0;
  }

  get port(): number {
    return this.#port;
  }

  get tcpConnectionCount(): number {
    return this.#connections.size;
  }

  /** host:port for the sent-by of Vias we insert (§18.1.1), IPv6 in brackets. */
  get sentBy(): string {
    return this.sentByFor('udp');
  }

  /** The sent-by for requests going out over `transport`: TLS has its own port. */
  sentByFor(transport: TransportKind): string {
    return `${this.#sentByHost}:${transport === 'tls' && this.#tlsPort !== 0 ? this.#tlsPort : this.#port}`;
  }

  /** The one consumer of received messages (the transaction layer, or a test). */
  onMessage(handler: MessageHandler): void {
    this.#handler = handler;
  }

  /** Whether host:port (as a Via's sent-by or a URI names it) is this transport's: the advertised host, at the UDP/TCP or the TLS port. */
  isOwnAddress(host: string, port: number): boolean {
    return socketHost(host).toLowerCase() === socketHost(this.advertisedHost).toLowerCase() && (port === this.#port || (this.#tlsPort !== 0 && port === this.#tlsPort));
  }

  /** Told when a TCP or TLS connection a peer opened to us closes: a registered phone's flow is gone (RFC 5626). */
  onFlowClosed(listener: (flow: { transport: 'tcp' | 'tls'; address: string; port: number }) => void): void {
    this.#flowClosed = listener;
  }

  async sendRequest(request: SipMessage, destination: Destination): Promise<SendResult> {
    return this.#sendTo(serializeMessage(request), destination);
  }

  /**
   * §18.2.2: over TCP, on the request's connection while it is open; otherwise (and over UDP)
   * to the address the top Via names, after RFC 3581 received/rport.
   */
  async sendResponse(response: SipResponse, source?: MessageSource): Promise<SendResult> {
    const data = serializeMessage(response);
    if (source?.connection?.open) return this.#write(source.connection, data);
    const via = topVia(response);
    if (!via) return this.#failed('response has no readable top Via', source);
    const destination = responseDestination(via);
    if (!destination) return this.#failed(`no route for a response over ${via.transport}`, source);
    return this.#sendTo(data, destination);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // What was sent before close() still goes out (a BYE just before a shutdown, say), and the
    // socket waits for it: dgram drops a send whose address lookup ends after the socket closed,
    // and never calls its callback.
    const queued = this.#outbox.map((item) => new Promise<void>((sent) => {
      const resolve = item.resolve;
      item.resolve = (result) => {
        resolve(result);
        sent();
      };
    }));
    this.#flushUdp();
    await Promise.all(queued);
    for (const connection of [...this.#connections.values()]) connection.close();
    const udp = this.#udp;
    const tcp = this.#tcp;
    const tls = this.#tls;
    await Promise.all([
      new Promise<void>((resolve) => (udp ? udp.close(() => resolve()) : resolve())),
      new Promise<void>((resolve) => (tcp ? tcp.close(() => resolve()) : resolve())),
      new Promise<void>((resolve) => (tls ? tls.close(() => resolve()) : resolve())),
    ]);
  }

  async #bind(port: number): Promise<void> {
    let lastError: unknown;
    for (let attempt = 0; attempt < (port === 0 ? BIND_ATTEMPTS : 1); attempt++) {
      const udp = this.#createUdp();
      try {
        await new Promise<void>((resolve, reject) => {
          udp.once('error', reject);
          udp.bind(port, this.host, () => {
            udp.off('error', reject);
            resolve();
          });
        });
        const bound = udp.address().port;
        this.#tcp = await this.#createTcp(bound);
        this.#udp = udp;
        this.#port = bound;
        udp.on('error', (err) => this.#report({ kind: 'socket-error', detail: `udp: ${err.message}` }));
        return;
      } catch (err) {
        lastError = err;
        try {
          udp.close();
        } catch {
          // A socket whose bind failed may already count as closed.
        }
      }
    }
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  }

  #createUdp(): UdpSocket {
    const udp = createSocket({
      type: isIPv6(this.host) ? 'udp6' : 'udp4',
      ...(this.#options.udpReceiveBufferBytes !== undefined ? { recvBufferSize: this.#options.udpReceiveBufferBytes } : {}),
      ...(this.#options.udpSendBufferBytes !== undefined ? { sendBufferSize: this.#options.udpSendBufferBytes } : {}),
    });
    udp.on('message', (data, rinfo) => {
      if (isKeepalive(data)) return;
      const source: MessageSource = { address: plainAddress(rinfo.address), port: rinfo.port, transport: 'udp' };
      if (isStunMessage(data)) this.#answerStun(data, source);
      else this.#receive(data, 'datagram', source);
    });
    return udp;
  }

  async #createTcp(port: number): Promise<Server> {
    const server = createServer((socket) => this.#accept(socket));
    await this.#listen(server, port, 'tcp');
    return server;
  }

  /** Listens on host:port, failing with the bind error; later server errors are reported, never thrown. */
  async #listen(server: Server, port: number, label: 'tcp' | 'tls'): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err: Error) => this.#report({ kind: 'socket-error', detail: `${label}: ${err.message}` }));
  }

  async #listenTls(settings: TlsSettings): Promise<void> {
    // A peer that never finishes its handshake holds a socket only until the handshake timeout.
    const server = createTlsServer({ key: settings.key, cert: settings.cert, handshakeTimeout: this.#options.tcpConnectTimeoutMs ?? 5000 }, (socket) => this.#accept(socket, 'tls'));
    server.on('tlsClientError', (err: Error, socket) => {
      this.#report({ kind: 'socket-error', detail: `tls handshake: ${err.message}`, remote: { address: plainAddress(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0, transport: 'tls' } });
    });
    await this.#listen(server, settings.port, 'tls');
    this.#tls = server;
    const address = server.address();
    this.#tlsPort = typeof address === 'object' && address ? address.port : settings.port;
  }

  #accept(socket: Socket, transport: 'tcp' | 'tls' = 'tcp'): void {
    const maxConnections = this.#options.maxTcpConnections ?? 1024;
    if (this.#closed || this.#connections.size >= maxConnections) {
      this.#report({ kind: 'connection-limit', detail: `refused: ${this.#connections.size} connections open` });
      socket.on('error', () => undefined);
      socket.destroy();
      return;
    }
    this.#adopt(socket, false, transport);
  }

  #adopt(socket: Socket, outbound: boolean, transport: 'tcp' | 'tls'): TcpConnection {
    const connection = new TcpConnection(socket, outbound, this.#limits, {
      onMessage: (data, conn) =>
        this.#receive(data, 'stream', { address: conn.remoteAddress, port: conn.remotePort, transport: conn.transport, connection: conn }),
      onProblem: (kind, detail, conn) =>
        this.#report({ kind, detail, remote: { address: conn.remoteAddress, port: conn.remotePort, transport: conn.transport } }),
      onClose: (conn) => {
        const key = remoteKey(conn.remoteAddress, conn.remotePort, conn.transport);
        if (this.#connections.get(key) === conn) this.#connections.delete(key);
        if (!conn.outbound) this.#flowClosed?.({ transport: conn.transport, address: conn.remoteAddress, port: conn.remotePort });
      },
    }, transport);
    this.#connections.set(remoteKey(connection.remoteAddress, connection.remotePort, transport), connection);
    return connection;
  }

  #receive(data: Buffer, framing: Framing, source: MessageSource): void {
    let result: ParseResult;
    try {
      result = parseMessage(data, { framing });
    } catch (err) {
      result = { ok: false, error: { kind: 'internal', detail: String(err) } };
    }
    if (!result.ok) {
      this.#refuse(result, source);
      return;
    }
    const message = result.message;
    if (message.kind === 'request') {
      stampReceived(message, source);
    } else if (!this.#isOurs(message)) {
      // §18.1.2: a response whose top Via we did not insert is discarded silently.
      this.#report({ kind: 'response-discarded', detail: `top Via is not ${this.sentBy}`, remote: this.#remote(source) });
      return;
    }
    const handler = this.#handler;
    if (!handler) return;
    try {
      handler(message, source);
    } catch (err) {
      this.#report({ kind: 'handler-threw', detail: err instanceof Error ? err.message : String(err), remote: this.#remote(source) });
    }
  }

  #isOurs(response: SipMessage): boolean {
    const via = topVia(response);
    return via !== undefined && this.isOwnAddress(via.host, via.port ?? (via.transport === 'TLS' ? DEFAULT_SIPS_PORT : DEFAULT_SIP_PORT));
  }

  /**
   * Answers STUN only from these sources (by default all): with a registrar, the UDP flows phones
   * registered through this replica (registrar/udp-flows.ts says why).
   */
  answerStunFrom(predicate: (address: string, port: number) => boolean): void {
    this.#stunFrom = predicate;
  }

  /** RFC 5626 §8: a phone's STUN keep-alive on the SIP port gets its Binding response from here. */
  #answerStun(data: Buffer, source: MessageSource): void {
    const answer: StunOutcome = this.#stunFrom(source.address, source.port) ? answerStun(data, source) : { kind: 'not-our-flow' };
    try {
      this.#options.onStun?.(answer.kind);
    } catch {
      // A metrics hook that throws must not take the receive path down with it.
    }
    if (answer.kind === 'binding-response' || answer.kind === 'error-response') void this.#sendTo(answer.response, { address: source.address, port: source.port, transport: 'udp' });
  }

  /** §8.2 / RFC 4475: a request we can answer gets its 400 (or 505) back where it came from. */
  #refuse(result: Extract<ParseResult, { ok: false }>, source: MessageSource): void {
    const remote = this.#remote(source);
    const detail = `${result.error.kind}: ${result.error.detail}`;
    if (!result.canRespond400) {
      this.#report({ kind: 'parse-error', detail, remote });
      return;
    }
    this.#report({ kind: 'answered-400', detail, remote });
    const data = serializeMessage(createBadRequestResponse(result.canRespond400));
    // The Via may be what was malformed, so the answer goes to the packet's source.
    if (source.connection) void this.#write(source.connection, data);
    else void this.#sendTo(data, { address: source.address, port: source.port, transport: 'udp' });
  }

  async #sendTo(data: Buffer, destination: Destination): Promise<SendResult> {
    if (this.#closed) return this.#failed('transport closed', destination);
    if (destination.transport === 'udp') return this.#sendUdp(data, destination);
    const connection = await this.#connectionTo(destination);
    if (typeof connection === 'string') return this.#failed(connection, destination);
    return this.#write(connection, data);
  }

  /**
   * Queues the datagram; the queue goes out at the end of this turn of the event loop, after every
   * datagram that arrived in it was handled. Sent back to back, a batch wakes each peer once
   * instead of once a datagram: on a loopback send the kernel does the receiver's wake-up in the
   * sender's time, and a woken peer on the same core preempts the worker mid-turn. The worker-step
   * bench measured ~6% less CPU a call at 700 calls a second; a datagram waits at most one turn.
   */
  #sendUdp(data: Buffer, destination: Destination): Promise<SendResult> {
    if (!this.#udp) return Promise.resolve(this.#failed('udp socket not bound', destination));
    return new Promise((resolve) => {
      this.#outbox.push({ data, destination, resolve });
      if (this.#outbox.length === 1) setImmediate(() => this.#flushUdp());
    });
  }

  #flushUdp(): void {
    const outbox = this.#outbox;
    if (outbox.length === 0) return;
    this.#outbox = [];
    const udp = this.#udp;
    for (const { data, destination, resolve } of outbox) {
      if (!udp) {
        resolve(this.#failed('udp socket not bound', destination));
        continue;
      }
      try {
        udp.send(data, destination.port, socketHost(destination.address), (err) => {
          resolve(err ? this.#failed(err.message, destination) : { ok: true });
        });
      } catch (err) {
        resolve(this.#failed(err instanceof Error ? err.message : String(err), destination));
      }
    }
  }

  #write(connection: TcpConnection, data: Buffer): SendResult {
    if (connection.write(data)) return { ok: true };
    return this.#failed('tcp connection closed', { address: connection.remoteAddress, port: connection.remotePort, transport: 'tcp' });
  }

  /** An open connection to the destination, reused when there is one (§18.1.1). */
  async #connectionTo(destination: Destination): Promise<TcpConnection | string> {
    const transport = destination.transport === 'tls' ? 'tls' : 'tcp';
    if (transport === 'tls' && !this.#options.tls) return 'no TLS configured';
    const address = socketHost(destination.address);
    const key = remoteKey(address, destination.port, transport);
    const existing = this.#connections.get(key);
    if (existing?.open) return existing;
    if (destination.flowOnly) return 'flow closed';
    const pending = this.#connecting.get(key);
    if (pending) return pending;
    if (this.#connections.size >= (this.#options.maxTcpConnections ?? 1024)) return 'tcp connection limit reached';
    const attempt = this.#open(address, destination.port, transport, destination.serverName);
    this.#connecting.set(key, attempt);
    try {
      return await attempt;
    } finally {
      this.#connecting.delete(key);
    }
  }

  async #open(address: string, port: number, transport: 'tcp' | 'tls', serverName: string | undefined): Promise<TcpConnection | string> {
    const timeoutMs = this.#options.tcpConnectTimeoutMs ?? 5000;
    const socket = transport === 'tls' ? await openTlsStream(address, port, this.#options.tls?.ca, timeoutMs, serverName) : await openTcpStream(address, port, timeoutMs);
    if (typeof socket === 'string') return socket;
    if (this.#closed) {
      socket.destroy();
      return 'transport closed';
    }
    return this.#adopt(socket, true, transport);
  }

  #failed(error: string, remote?: Destination | MessageSource): SendResult {
    this.#report({ kind: 'send-failed', detail: error, ...(remote ? { remote: this.#remote(remote) } : {}) });
    return { ok: false, error };
  }

  #remote(source: Destination | MessageSource): TransportEvent['remote'] {
    return { address: source.address, port: source.port, transport: source.transport };
  }

  #report(event: TransportEvent): void {
    try {
      this.#options.onError?.(event);
    } catch {
      // A logging hook that throws must not take the receive path down with it.
    }
  }
}
