// Transaction timers (RFC 3261 §17 and Table 4, RFC 6026 Timers L and M). T1, T2 and T4 are
// configurable so tests can run the state machines in milliseconds; every other timer is
// derived from them exactly as the RFC derives it.

export interface TimerValues {
  /** RTT estimate (default 500 ms). */
  t1: number;
  /** Longest interval for non-INVITE requests and INVITE responses (default 4 s). */
  t2: number;
  /** Longest time a message stays in the network (default 5 s). */
  t4: number;
}

export const DEFAULT_TIMER_VALUES: Readonly<TimerValues> = { t1: 500, t2: 4000, t4: 5000 };

export function timerValues(overrides: Partial<TimerValues> = {}): TimerValues {
  return { ...DEFAULT_TIMER_VALUES, ...overrides };
}

/** Timers B, F, H, J (unreliable), L and M: 64*T1, the transaction timeout. */
export function transactionTimeout(t: TimerValues): number {
  return 64 * t.t1;
}

/** Timer D: at least 32 s over UDP (64*T1 with the default T1), zero over reliable transports. */
export function timerD(t: TimerValues, reliable: boolean): number {
  return reliable ? 0 : 64 * t.t1;
}

/** Timers I and K: T4 over UDP, zero over reliable transports. */
export function timerIK(t: TimerValues, reliable: boolean): number {
  return reliable ? 0 : t.t4;
}

/** Timer J: 64*T1 over UDP, zero over reliable transports. */
export function timerJ(t: TimerValues, reliable: boolean): number {
  return reliable ? 0 : 64 * t.t1;
}

/** Named one-shot timers owned by one transaction, all cancelled when it terminates. */
export class TransactionTimers {
  /** Created on the first start: most transactions end with none running, and thousands linger. */
  #running: Map<string, ReturnType<typeof setTimeout>> | undefined;

  start(name: string, ms: number, fire: () => void): void {
    this.stop(name);
    const running = (this.#running ??= new Map());
    const handle = setTimeout(() => {
      running.delete(name);
      fire();
    }, ms);
    running.set(name, handle);
  }

  stop(name: string): void {
    const handle = this.#running?.get(name);
    if (handle !== undefined) clearTimeout(handle);
    this.#running?.delete(name);
  }

  stopAll(): void {
    if (this.#running === undefined) return;
    for (const handle of this.#running.values()) clearTimeout(handle);
    this.#running = undefined;
  }

  isRunning(name: string): boolean {
    return this.#running?.has(name) === true;
  }
}
