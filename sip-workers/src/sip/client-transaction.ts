// Client transactions (RFC 3261 §17.1, with RFC 6026's Accepted state for INVITE):
// INVITE — Calling/Proceeding/Completed/Accepted/Terminated, Timers A, B, D, M, and the ACK
// for a non-2xx final response built here; non-INVITE — Trying/Proceeding/Completed/
// Terminated, Timers E, F, K.
import type { SipMessage, SipRequest, SipResponse } from './message.ts';
import { createNon2xxAck } from './request-builder.ts';
import { isReliable } from './response-routing.ts';
import { detachedString, retainedRequest } from './retained-request.ts';
import type { TimerValues } from './timers.ts';
import { TransactionTimers, timerD, timerIK, transactionTimeout } from './timers.ts';
import type { Destination, SendResult } from './transport.ts';

export type ClientTransactionState = 'calling' | 'trying' | 'proceeding' | 'completed' | 'accepted' | 'terminated';

export interface ClientTransactionCallbacks {
  onProvisional?(response: SipResponse): void;
  /**
   * The final response. For INVITE, also every retransmitted or forked 2xx seen in the
   * Accepted state (RFC 6026), since the TU must ACK each of them.
   */
  onFinal?(response: SipResponse): void;
  /** Timer B or F fired without a final response. */
  onTimeout?(): void;
  onTransportError?(error: string): void;
}

/** Shared by every client transaction of a layer, so a transaction carries no closures of its own. */
export interface ClientTransactionContext {
  send(message: SipMessage, destination: Destination): Promise<SendResult>;
  timers: TimerValues;
  /** Ends the transaction (terminate()) after `ms`: Timers D, K and M. */
  linger(transaction: ClientTransaction, ms: number): void;
  onTerminated(transaction: ClientTransaction): void;
  /** A TU callback threw: reported, never rethrown into the receive path. */
  report(detail: string): void;
}

export class ClientTransaction {
  readonly key: string;
  readonly isInvite: boolean;
  readonly destination: Destination;
  readonly #context: ClientTransactionContext;
  readonly #reliable: boolean;
  #callbacks: ClientTransactionCallbacks;
  readonly #timers = new TransactionTimers();
  #request: SipRequest;
  #state: ClientTransactionState;
  #interval: number;
  #ack: SipRequest | undefined;
  #provisionalSeen = false;
  #whenProvisional: Array<() => void> = [];

  constructor(request: SipRequest, key: string, destination: Destination, context: ClientTransactionContext, callbacks: ClientTransactionCallbacks = {}) {
    this.#request = request;
    this.destination = destination;
    this.#reliable = isReliable(destination.transport);
    this.key = detachedString(key);
    this.isInvite = request.method === 'INVITE';
    this.#context = context;
    this.#callbacks = callbacks;
    this.#state = this.isInvite ? 'calling' : 'trying';
    this.#interval = context.timers.t1;
  }

  get state(): ClientTransactionState {
    return this.#state;
  }

  /** The request, whole until a final response; after it only what identifies it (see retained-request.ts). */
  get request(): SipRequest {
    return this.#request;
  }

  /**
   * The TU's callbacks from now on. A TU whose call is over swaps in callbacks that hold only
   * what a late 2xx needs, so the 32 s of RFC 6026's Accepted state do not keep the call alive.
   */
  replaceCallbacks(callbacks: ClientTransactionCallbacks): void {
    this.#callbacks = callbacks;
  }

  /** Whether a provisional response has arrived (CANCEL may only be sent after one, §9.1). */
  get provisionalSeen(): boolean {
    return this.#provisionalSeen;
  }

  /**
   * Runs `action` once a provisional response has arrived (at once if one has), or once none can
   * any more: a final response came first, or the transaction ended. The action reads `state` to
   * tell which. A CANCEL waiting for its INVITE's provisional is started or ended here, so one
   * whose INVITE timed out in Calling does not wait for good (it did: one per call to a silent
   * trunk).
   */
  whenProvisional(action: () => void): void {
    if (this.#provisionalSeen || this.#state !== 'calling') action();
    else this.#whenProvisional.push(action);
  }

  #noLongerWaitingForProvisional(): void {
    const waiting = this.#whenProvisional;
    this.#whenProvisional = [];
    for (const action of waiting) this.#call(action);
  }

  /**
   * Our CANCEL of this INVITE went out. In Proceeding no timer runs (§17.1.1.2), so a callee
   * that never sends a final response, whether it answers the CANCEL or not, would keep the
   * transaction for good; §9.1 has the client destroy it 64·T1 later, which Timer B, started
   * again, does (the TU hears a timeout).
   */
  cancelling(): void {
    if (this.isInvite && this.#state === 'proceeding') this.#timers.start('B', transactionTimeout(this.#context.timers), () => this.#timedOut());
  }

  /** §17.1.1.2 / §17.1.2.2: first transmission, retransmission timer over UDP, timeout timer always. */
  start(): void {
    const t = this.#context.timers;
    if (!this.#reliable) this.#timers.start(this.isInvite ? 'A' : 'E', this.#interval, () => this.#retransmit());
    this.#timers.start(this.isInvite ? 'B' : 'F', transactionTimeout(t), () => this.#timedOut());
    this.#transmit(this.#request);
  }

  /** A response matched to this transaction; false when it is no longer ours to absorb. */
  receive(response: SipResponse): boolean {
    if (this.#state === 'terminated') return false;
    if (response.status < 200) this.#provisional(response);
    else if (this.isInvite) this.#inviteFinal(response);
    else this.#nonInviteFinal(response);
    return true;
  }

  /** Ends the transaction without telling the TU (layer shutdown). */
  terminate(): void {
    if (this.#state === 'terminated') return;
    this.#state = 'terminated';
    this.#timers.stopAll();
    this.#context.onTerminated(this);
    this.#noLongerWaitingForProvisional();
  }

  #provisional(response: SipResponse): void {
    if (this.#state === 'completed' || this.#state === 'accepted') return;
    // §17.1.1.2: the first provisional stops Timer A and B; Timer E carries on at T2 (§17.1.2.2).
    // Only the first: a Timer B started again by cancelling() must outlive the provisionals a
    // callee goes on sending after our CANCEL.
    if (this.isInvite && this.#state === 'calling') {
      this.#timers.stop('A');
      this.#timers.stop('B');
    }
    this.#state = 'proceeding';
    this.#provisionalSeen = true;
    this.#noLongerWaitingForProvisional();
    this.#pass('onProvisional', response);
  }

  #inviteFinal(response: SipResponse): void {
    const t = this.#context.timers;
    if (response.status < 300) {
      if (this.#state === 'completed') return;
      if (this.#state !== 'accepted') {
        // RFC 6026 §8.4: Accepted, so that retransmitted and forked 2xx still reach the TU.
        this.#state = 'accepted';
        this.#timers.stopAll();
        this.#context.linger(this, transactionTimeout(t));
        this.#request = retainedRequest(this.#request);
        this.#noLongerWaitingForProvisional();
      }
      this.#pass('onFinal', response);
      return;
    }
    if (this.#state === 'accepted') return;
    if (this.#state === 'completed') {
      // A retransmitted final response: the ACK was lost, send it again (§17.1.1.2).
      if (this.#ack) this.#transmit(this.#ack);
      return;
    }
    this.#state = 'completed';
    this.#timers.stopAll();
    this.#ack = createNon2xxAck(this.#request, response);
    this.#request = retainedRequest(this.#request);
    this.#transmit(this.#ack);
    this.#context.linger(this, timerD(t, this.#reliable));
    this.#noLongerWaitingForProvisional();
    this.#pass('onFinal', response);
  }

  #nonInviteFinal(response: SipResponse): void {
    if (this.#state === 'completed') return;
    this.#state = 'completed';
    this.#timers.stopAll();
    this.#context.linger(this, timerIK(this.#context.timers, this.#reliable));
    this.#request = retainedRequest(this.#request);
    this.#pass('onFinal', response);
  }

  #retransmit(): void {
    const t = this.#context.timers;
    if (this.isInvite) {
      if (this.#state !== 'calling') return;
      this.#interval *= 2;
      this.#timers.start('A', this.#interval, () => this.#retransmit());
    } else {
      if (this.#state !== 'trying' && this.#state !== 'proceeding') return;
      this.#interval = this.#state === 'proceeding' ? t.t2 : Math.min(2 * this.#interval, t.t2);
      this.#timers.start('E', this.#interval, () => this.#retransmit());
    }
    this.#transmit(this.#request);
  }

  #timedOut(): void {
    if (this.#state !== 'calling' && this.#state !== 'trying' && this.#state !== 'proceeding') return;
    this.terminate();
    this.#call(() => this.#callbacks.onTimeout?.());
  }

  #transmit(message: SipMessage): void {
    void this.#context.send(message, this.destination).then((result) => {
      if (result.ok || this.#state === 'terminated') return;
      // §17.1.4: a transport failure ends the transaction and is reported to the TU.
      this.terminate();
      this.#call(() => this.#callbacks.onTransportError?.(result.error));
    });
  }

  /**
   * Hands a response to the TU. Not an arrow function at the call site: one capturing the
   * response would share its scope with the Timer D/K/M closures created there, and those would
   * keep the response (its whole datagram's text) for the 32 s the timers run.
   */
  #pass(callback: 'onProvisional' | 'onFinal', response: SipResponse): void {
    try {
      this.#callbacks[callback]?.(response);
    } catch (err) {
      this.#context.report(err instanceof Error ? err.message : String(err));
    }
  }

  #call(action: () => void): void {
    try {
      action();
    } catch (err) {
      this.#context.report(err instanceof Error ? err.message : String(err));
    }
  }
}
