// The transaction layer (RFC 3261 §17) over a SipTransport: matches what arrives to client
// and server transactions, hands the rest to the transaction user (TU), answers CANCEL
// (§9.2), and creates client transactions for the TU's requests.
import { cloneMessage, prependHeader } from './message.ts';
import type { SipMessage, SipRequest, SipResponse } from './message.ts';
import { ClientTransaction } from './client-transaction.ts';
import type { ClientTransactionCallbacks, ClientTransactionContext } from './client-transaction.ts';
import { LingerQueue } from './linger-queue.ts';
import { createCancel, generateBranch } from './request-builder.ts';
import { ServerTransaction } from './server-transaction.ts';
import type { ServerFailure, ServerTransactionContext } from './server-transaction.ts';
import { timerValues } from './timers.ts';
import type { TimerValues } from './timers.ts';
import { clientTransactionKey, serverTransactionKey } from './transaction-key.ts';
import type { Destination, MessageSource, SendResult, SipTransport } from './transport.ts';

export interface TransactionUser {
  /** A new request (not ACK, not a CANCEL that matched): answer it through `transaction`. */
  onRequest(request: SipRequest, transaction: ServerTransaction): void;
  /**
   * A CANCEL matched a pending INVITE. The layer has already answered the CANCEL 200;
   * the TU should now answer the INVITE 487 (§9.2).
   */
  onCancel?(cancel: SipRequest, invite: ServerTransaction): void;
  /** An ACK no transaction absorbed: the ACK for a 2xx, which belongs to the dialog (§13.3.1.4). */
  onAck?(ack: SipRequest, source: MessageSource): void;
  /** A response no client transaction wanted (a 2xx retransmitted after Timer M, a stray). */
  onStrayResponse?(response: SipResponse, source: MessageSource): void;
  /** Timer H fired or the transport failed for a server transaction (§17.2.4). */
  onServerFailure?(transaction: ServerTransaction, failure: ServerFailure, detail: string): void;
}

export interface TransactionLayerOptions {
  timers?: Partial<TimerValues>;
  /** Send 100 Trying as soon as an INVITE arrives (default true; §17.2.1 allows waiting 200 ms). */
  immediateTrying?: boolean;
  /** TU callbacks that throw, unmatched oddities: reported here, never thrown. */
  onError?: (detail: string) => void;
  /** Sees every message first; true means it was handled outside any transaction (a stateless relay). */
  intercept?: (message: SipMessage, source: MessageSource) => boolean;
}

export class TransactionLayer {
  readonly transport: SipTransport;
  readonly timers: TimerValues;
  readonly #tu: TransactionUser;
  readonly #options: TransactionLayerOptions;
  readonly #clients = new Map<string, ClientTransaction>();
  readonly #servers = new Map<string, ServerTransaction>();
  readonly #lingering = new LingerQueue();
  readonly #serverContext: ServerTransactionContext;
  readonly #clientContext: ClientTransactionContext;

  constructor(transport: SipTransport, tu: TransactionUser, options: TransactionLayerOptions = {}) {
    this.transport = transport;
    this.#tu = tu;
    this.#options = options;
    this.timers = timerValues(options.timers);
    this.#serverContext = {
      send: (response, source) => this.transport.sendResponse(response, source),
      timers: this.timers,
      linger: (transaction, ms) => this.#lingering.add(transaction, ms),
      onTerminated: (tx) => {
        if (this.#servers.get(tx.key) === tx) this.#servers.delete(tx.key);
      },
      onFailure: (tx, failure, detail) => this.#call(() => this.#tu.onServerFailure?.(tx, failure, detail)),
    };
    this.#clientContext = {
      send: (message, destination) => this.transport.sendRequest(message, destination),
      timers: this.timers,
      linger: (transaction, ms) => this.#lingering.add(transaction, ms),
      onTerminated: (tx) => {
        if (this.#clients.get(tx.key) === tx) this.#clients.delete(tx.key);
      },
      report: (detail) => this.#report(`client transaction callback threw: ${detail}`),
    };
    transport.onMessage((message, source) => {
      if (this.#options.intercept?.(message, source)) return;
      if (message.kind === 'request') this.#receiveRequest(message, source);
      else this.#receiveResponse(message, source);
    });
  }

  get clientTransactionCount(): number {
    return this.#clients.size;
  }

  get serverTransactionCount(): number {
    return this.#servers.size;
  }

  /**
   * Sends `request` in a new client transaction. A top Via with our sent-by, a fresh branch
   * and rport (RFC 3581) is added to a copy; the TU never writes Vias itself.
   */
  sendRequest(request: SipRequest, destination: Destination, callbacks: ClientTransactionCallbacks = {}): ClientTransaction {
    const outgoing = cloneMessage(request);
    prependHeader(outgoing, 'Via', `SIP/2.0/${destination.transport.toUpperCase()} ${this.transport.sentByFor(destination.transport)};branch=${generateBranch()};rport`);
    return this.#startClient(outgoing, destination, callbacks);
  }

  /**
   * §9.1: CANCEL for a pending INVITE client transaction, sent once it has had a provisional
   * response (never before). Returns the CANCEL's own transaction, or undefined when too late.
   */
  cancel(invite: ClientTransaction, destination: Destination, callbacks: ClientTransactionCallbacks = {}): ClientTransaction | undefined {
    if (!invite.isInvite || (invite.state !== 'calling' && invite.state !== 'proceeding')) return undefined;
    const cancel = createCancel(invite.request);
    const transaction = this.#createClient(cancel, destination, callbacks);
    if (!transaction) return undefined;
    invite.whenProvisional(() => {
      if (invite.state !== 'proceeding') {
        transaction.terminate();
        return;
      }
      transaction.start();
      invite.cancelling();
    });
    return transaction;
  }

  /** The ACK for a 2xx is not a transaction (§13.2.2.4): sent once, statelessly, with its own branch. */
  sendAck(ack: SipRequest, destination: Destination): Promise<SendResult> {
    const outgoing = cloneMessage(ack);
    prependHeader(outgoing, 'Via', `SIP/2.0/${destination.transport.toUpperCase()} ${this.transport.sentByFor(destination.transport)};branch=${generateBranch()};rport`);
    return this.transport.sendRequest(outgoing, destination);
  }

  /** Ends every transaction and its timers (the transport is left open). */
  close(): void {
    this.#lingering.clear();
    for (const transaction of [...this.#clients.values()]) transaction.terminate();
    for (const transaction of [...this.#servers.values()]) transaction.terminate();
  }

  #startClient(request: SipRequest, destination: Destination, callbacks: ClientTransactionCallbacks): ClientTransaction {
    const transaction = this.#createClient(request, destination, callbacks);
    if (!transaction) throw new Error('request has no branch or CSeq: it cannot form a client transaction');
    transaction.start();
    return transaction;
  }

  #createClient(request: SipRequest, destination: Destination, callbacks: ClientTransactionCallbacks): ClientTransaction | undefined {
    const key = clientTransactionKey(request);
    if (key === undefined) return undefined;
    const transaction = new ClientTransaction(request, key, destination, this.#clientContext, callbacks);
    this.#clients.set(key, transaction);
    return transaction;
  }

  #receiveResponse(response: SipResponse, source: MessageSource): void {
    const key = clientTransactionKey(response);
    const transaction = key === undefined ? undefined : this.#clients.get(key);
    if (transaction?.receive(response)) return;
    this.#call(() => this.#tu.onStrayResponse?.(response, source));
  }

  #receiveRequest(request: SipRequest, source: MessageSource): void {
    const key = serverTransactionKey(request);
    if (key === undefined) {
      this.#report(`request ${request.method} without a usable top Via or CSeq dropped`);
      return;
    }
    const existing = this.#servers.get(key);
    if (request.method === 'ACK') {
      if (existing?.isInvite && existing.receiveAck()) return;
      this.#call(() => this.#tu.onAck?.(request, source));
      return;
    }
    if (existing) {
      existing.receiveRetransmission();
      return;
    }
    const transaction = this.#createServer(request, source, key);
    if (request.method === 'CANCEL') {
      this.#receiveCancel(request, transaction);
      return;
    }
    if (transaction.isInvite && this.#options.immediateTrying !== false) void transaction.reply(100);
    this.#call(() => this.#tu.onRequest(request, transaction));
  }

  /** §9.2: 200 for a CANCEL that matches an INVITE transaction, 481 when none does. */
  #receiveCancel(cancel: SipRequest, transaction: ServerTransaction): void {
    const inviteKey = serverTransactionKey(cancel, 'INVITE');
    const invite = inviteKey === undefined ? undefined : this.#servers.get(inviteKey);
    if (!invite?.isInvite) {
      void transaction.reply(481);
      return;
    }
    void transaction.reply(200, { toTag: invite.toTag });
    if (!invite.pending || invite.cancelled) return;
    invite.markCancelled();
    this.#call(() => this.#tu.onCancel?.(cancel, invite));
  }

  #createServer(request: SipRequest, source: MessageSource, key: string): ServerTransaction {
    const transaction = new ServerTransaction(request, source, key, this.#serverContext);
    this.#servers.set(key, transaction);
    return transaction;
  }

  #call(action: () => void): void {
    try {
      action();
    } catch (err) {
      this.#report(`transaction user threw: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  #report(detail: string): void {
    try {
      this.#options.onError?.(detail);
    } catch {
      // A reporting hook must not break message handling.
    }
  }
}
