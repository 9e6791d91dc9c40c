// Shared by the transaction tests: a raw UDP peer that records every message it gets,
// request text builders, and a polling wait.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import type { ClientTransactionCallbacks } from '../../src/sip/client-transaction.ts';
import type { SipMessage, SipRequest, SipResponse } from '../../src/sip/message.ts';
import { parseMessage } from '../../src/sip/parser.ts';
import { serializeMessage } from '../../src/sip/serializer.ts';

export type ClientOutcome = { kind: 'response'; response: SipResponse } | { kind: 'timeout' } | { kind: 'transport-error'; error: string };

/** Callbacks for a client transaction, plus the first outcome they saw: a final response, the timeout or a transport error. */
export function watchOutcome(extra: ClientTransactionCallbacks = {}): { callbacks: ClientTransactionCallbacks; outcome: Promise<ClientOutcome> } {
  let settle: (outcome: ClientOutcome) => void = () => undefined;
  const outcome = new Promise<ClientOutcome>((resolve) => (settle = resolve));
  return {
    outcome,
    callbacks: {
      ...extra,
      onFinal: (response) => { settle({ kind: 'response', response }); extra.onFinal?.(response); },
      onTimeout: () => { settle({ kind: 'timeout' }); extra.onTimeout?.(); },
      onTransportError: (error) => { settle({ kind: 'transport-error', error }); extra.onTransportError?.(error); },
    },
  };
}

/** Fast timers: 64*T1 = 1.28 s. */
export const FAST = { t1: 20, t2: 80, t4: 100 };

export async function until<T>(probe: () => T | undefined | false, what: string, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class UdpPeer {
  readonly inbox: Array<{ message: SipMessage; at: number }> = [];
  readonly #socket: UdpSocket;
  #port = 0;

  private constructor(socket: UdpSocket) {
    this.#socket = socket;
    socket.on('message', (data) => {
      const parsed = parseMessage(data);
      assert.ok(parsed.ok, `peer got an unparsable message: ${data.toString('latin1').slice(0, 80)}`);
      this.inbox.push({ message: parsed.message, at: Date.now() });
    });
  }

  static async bind(): Promise<UdpPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const peer = new UdpPeer(socket);
    peer.#port = socket.address().port;
    return peer;
  }

  get port(): number {
    return this.#port;
  }

  send(data: string | Buffer | SipMessage, port: number): void {
    const wire = typeof data === 'string' ? Buffer.from(data) : Buffer.isBuffer(data) ? data : serializeMessage(data);
    this.#socket.send(wire, port, '127.0.0.1');
  }

  requests(method: string): SipRequest[] {
    return this.inbox.flatMap(({ message }) => (message.kind === 'request' && message.method === method ? [message] : []));
  }

  responses(status?: number): SipResponse[] {
    return this.inbox.flatMap(({ message }) => (message.kind === 'response' && (status === undefined || message.status === status) ? [message] : []));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}

let callCounter = 0;

/** A request as a peer would send it, with its own Via (sent-by = the peer). */
export function rawRequest(
  method: string,
  peerPort: number,
  options: { branch?: string; callId?: string; cseq?: number; cseqMethod?: string; toTag?: string; extra?: string[] } = {},
): string {
  const callId = options.callId ?? `call-${++callCounter}@test`;
  return [
    `${method} sip:service@127.0.0.1 SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${peerPort};branch=${options.branch ?? `z9hG4bK${method}${callCounter}`};rport`,
    'Max-Forwards: 70',
    `To: <sip:service@127.0.0.1>${options.toTag ? `;tag=${options.toTag}` : ''}`,
    'From: <sip:peer@127.0.0.1>;tag=peer1',
    `Call-ID: ${callId}`,
    `CSeq: ${options.cseq ?? 1} ${options.cseqMethod ?? method}`,
    'Contact: <sip:peer@127.0.0.1>',
    ...(options.extra ?? []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** A request as our TU would hand it to TransactionLayer.sendRequest (no Via). */
export function tuRequest(method: string, callId = `tu-${++callCounter}@test`): SipRequest {
  const parsed = parseMessage(
    Buffer.from(
      [
        `${method} sip:service@127.0.0.1 SIP/2.0`,
        'Via: SIP/2.0/UDP placeholder.invalid;branch=z9hG4bKremoved',
        'Max-Forwards: 70',
        'To: <sip:service@127.0.0.1>',
        'From: <sip:us@127.0.0.1>;tag=us1',
        `Call-ID: ${callId}`,
        `CSeq: 1 ${method}`,
        'Contact: <sip:us@127.0.0.1>',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    ),
  );
  assert.ok(parsed.ok && parsed.message.kind === 'request');
  // The parser needs a Via to accept the text; the layer adds the real one.
  parsed.message.headers = parsed.message.headers.filter((h) => h.name !== 'Via');
  return parsed.message;
}
