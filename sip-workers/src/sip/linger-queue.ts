// Transactions that only wait out a timer before they end: Timers D, I, J, K (RFC 3261 §17) and
// L, M (RFC 6026), started once and never stopped, 5 or 32 s long. At hundreds of calls a second
// tens of thousands of them linger at once; a setTimeout each (a Timeout object and a closure) was
// a good part of what a finished call kept in memory. They wait here instead: one queue per
// duration, so each is in expiry order, and one ticking interval ends those due. A transaction
// ends up to one tick late, which the RFC allows: these timers only bound how long it absorbs
// retransmissions.

export interface Lingering {
  terminate(): void;
}

interface Queue {
  readonly due: number[];
  /** Ended entries are cleared at once, so they are not kept until the queue is compacted. */
  readonly transactions: Array<Lingering | undefined>;
  /** Index of the first entry not yet ended. */
  head: number;
}

export class LingerQueue {
  readonly #tickMs: number;
  readonly #queues = new Map<number, Queue>();
  #timer: NodeJS.Timeout | undefined;

  constructor(tickMs = 100) {
    this.#tickMs = tickMs;
  }

  /** Ends `transaction` (terminate()) once `ms` have passed; at once-ish (next tick of the event loop) for 0. */
  add(transaction: Lingering, ms: number): void {
    if (ms <= 0) {
      setImmediate(() => transaction.terminate());
      return;
    }
    let queue = this.#queues.get(ms);
    if (queue === undefined) {
      queue = { due: [], transactions: [], head: 0 };
      this.#queues.set(ms, queue);
    }
    queue.due.push(performance.now() + ms);
    queue.transactions.push(transaction);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#expire(), this.#tickMs);
      // Lingering transactions alone do not keep a process alive.
      this.#timer.unref();
    }
  }

  get size(): number {
    let size = 0;
    for (const queue of this.#queues.values()) size += queue.transactions.length - queue.head;
    return size;
  }

  /** Forgets every lingering transaction without ending it (the layer ends them itself on close). */
  clear(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#queues.clear();
  }

  #expire(): void {
    const now = performance.now();
    for (const queue of this.#queues.values()) {
      while (queue.head < queue.transactions.length && (queue.due[queue.head] ?? Infinity) <= now) {
        const transaction = queue.transactions[queue.head];
        queue.transactions[queue.head] = undefined;
        queue.head++;
        transaction?.terminate();
      }
      if (queue.head > 1024 && queue.head * 2 > queue.transactions.length) {
        queue.due.splice(0, queue.head);
        queue.transactions.splice(0, queue.head);
        queue.head = 0;
      }
    }
    if (this.size === 0) this.clear();
  }
}
