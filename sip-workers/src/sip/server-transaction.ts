// Server transactions (RFC 3261 §17.2, with RFC 6026's Accepted state for INVITE):
// INVITE — Proceeding/Completed/Confirmed/Accepted/Terminated, Timers G, H, I, L;
// non-INVITE — Trying/Proceeding/Completed/Terminated, Timer J. The TU answers through
// respond()/reply(); retransmitted requests are absorbed here with the last response.
import type { SipRequest, SipResponse } from './message.ts';
import { createResponse, generateTag } from './response-builder.ts';
import { isReliable } from './response-routing.ts';
import { detachedString, retainedRequest, retainedResponse } from './retained-request.ts';
import type { ResponseOptions } from './response-builder.ts';
import type { TimerValues } from './timers.ts';
import { TransactionTimers, timerIK, timerJ, transactionTimeout } from './timers.ts';
import type { MessageSource, SendResult } from './transport.ts';

export type ServerTransactionState = 'trying' | 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

export type ServerFailure = 'timer-h' | 'transport-error';

/** Shared by every server transaction of a layer, so a transaction carries no closures of its own. */
export interface ServerTransactionContext {
  send(response: SipResponse, source: MessageSource): Promise<SendResult>;
  timers: TimerValues;
  /** Ends the transaction (terminate()) after `ms`: Timers I, J and L. */
  linger(transaction: ServerTransaction, ms: number): void;
  onTerminated(transaction: ServerTransaction): void;
  /** Timer H fired (the ACK never came) or the transport failed (§17.2.4): the TU is told. */
  onFailure(transaction: ServerTransaction, failure: ServerFailure, detail: string): void;
}

export class ServerTransaction {
  readonly source: MessageSource;
  readonly key: string;
  readonly isInvite: boolean;
  /** To tag used for every response this transaction generates (and for the CANCEL's 200, §9.2). */
  readonly toTag = generateTag();
  readonly #context: ServerTransactionContext;
  readonly #reliable: boolean;
  readonly #timers = new TransactionTimers();
  #state: ServerTransactionState;
  #request: SipRequest;
  /** What a retransmitted request is answered with; kept only where the state machine resends it. */
  #lastResponse: SipResponse | undefined;
  #interval: number;
  #cancelled = false;

  constructor(request: SipRequest, source: MessageSource, key: string, context: ServerTransactionContext) {
    this.#request = request;
    this.source = source;
    // Keys are built by concatenation; a detached copy holds no pieces of the request's text.
    this.key = detachedString(key);
    this.isInvite = request.method === 'INVITE';
    this.#context = context;
    this.#reliable = isReliable(source.transport);
    this.#state = this.isInvite ? 'proceeding' : 'trying';
    this.#interval = context.timers.t1;
  }

  get state(): ServerTransactionState {
    return this.#state;
  }

  /**
   * The request, whole until the final response is sent; after it only what builds a response
   * (see retained-request.ts). A TU that needs more later keeps the request onRequest gave it.
   */
  get request(): SipRequest {
    return this.#request;
  }

  /** Set when a CANCEL for this INVITE was accepted; the TU is expected to answer 487. */
  get cancelled(): boolean {
    return this.#cancelled;
  }

  markCancelled(): void {
    this.#cancelled = true;
  }

  /** Whether a final response may still be sent (what a CANCEL can still affect, §9.2). */
  get pending(): boolean {
    return this.#state === 'trying' || this.#state === 'proceeding';
  }

  /** Builds a response to the request with this transaction's To tag, and sends it. */
  reply(status: number, options: ResponseOptions = {}): Promise<SendResult> {
    return this.respond(createResponse(this.request, status, { toTag: this.toTag, ...options }));
  }

  /**
   * Sends a response and moves the state machine. A 2xx may be sent again in Accepted (the
   * UAS core retransmits it until the ACK, §13.3.1.4); anything else after the final is refused.
   */
  respond(response: SipResponse): Promise<SendResult> {
    const refused = this.#refusal(response.status);
    if (refused) return Promise.resolve({ ok: false, error: refused });
    const t = this.#context.timers;
    const reliable = this.#reliable;
    if (response.status >= 200 && (this.#state === 'trying' || this.#state === 'proceeding')) this.#request = retainedRequest(this.#request);
    if (response.status < 200) {
      this.#state = 'proceeding';
      this.#lastResponse = response;
    } else if (response.status < 300 && this.isInvite) {
      // In Accepted the TU retransmits its own 2xx (§13.3.1.4); nothing here resends it.
      this.#lastResponse = undefined;
      if (this.#state !== 'accepted') {
        this.#state = 'accepted';
        this.#context.linger(this, transactionTimeout(t));
      }
    } else {
      // Resent on retransmitted requests (and by Timer G) for up to 32 s.
      this.#lastResponse = retainedResponse(response);
      this.#state = 'completed';
      if (!this.isInvite) {
        this.#context.linger(this, timerJ(t, reliable));
      } else {
        if (!reliable) this.#timers.start('G', this.#interval, () => this.#retransmit());
        this.#timers.start('H', transactionTimeout(t), () => this.#fail('timer-h', 'no ACK for the final response'));
      }
    }
    return this.#transmit(response);
  }

  /** The same request arrived again: answer with the last response, or absorb it. */
  receiveRetransmission(): void {
    // In Accepted the TU's own 2xx retransmissions cover the lost-response case (RFC 6026 §7.1).
    if (this.#lastResponse && (this.#state === 'proceeding' || this.#state === 'completed')) {
      void this.#transmit(this.#lastResponse);
    }
  }

  /** An ACK matched this INVITE transaction; true when absorbed, false when it is for the TU. */
  receiveAck(): boolean {
    if (this.#state === 'completed') {
      this.#state = 'confirmed';
      this.#lastResponse = undefined;
      this.#timers.stop('G');
      this.#timers.stop('H');
      this.#context.linger(this, timerIK(this.#context.timers, this.#reliable));
      return true;
    }
    // RFC 6026 §7.1: an ACK matching an Accepted transaction goes to the TU.
    return this.#state !== 'accepted';
  }

  terminate(): void {
    if (this.#state === 'terminated') return;
    this.#state = 'terminated';
    this.#timers.stopAll();
    this.#context.onTerminated(this);
  }

  #refusal(status: number): string | undefined {
    if (status < 100 || status > 699) return `status ${status} out of range`;
    if (this.#state === 'terminated') return 'transaction terminated';
    if (this.#state === 'accepted' && status >= 200 && status < 300) return undefined;
    if (this.#state !== 'trying' && this.#state !== 'proceeding') return 'a final response was already sent';
    return undefined;
  }

  #retransmit(): void {
    if (this.#state !== 'completed' || !this.#lastResponse) return;
    this.#interval = Math.min(2 * this.#interval, this.#context.timers.t2);
    this.#timers.start('G', this.#interval, () => this.#retransmit());
    void this.#transmit(this.#lastResponse);
  }

  async #transmit(response: SipResponse): Promise<SendResult> {
    const result = await this.#context.send(response, this.source);
    if (!result.ok && this.#state !== 'terminated') this.#fail('transport-error', result.error);
    return result;
  }

  #fail(failure: ServerFailure, detail: string): void {
    if (this.#state === 'terminated') return;
    this.terminate();
    this.#context.onFailure(this, failure, detail);
  }
}
