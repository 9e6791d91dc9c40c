// Overload control. A worker offered more calls than its one core can carry does not slow down
// gracefully: datagrams queue in the kernel, callers retransmit into the queue, and calls already
// up lose their ACKs and BYEs in it (the bench at 1.5× capacity completed a few hundred calls a
// second, all of them late). So the worker watches what waits unread on its UDP socket and, past
// a high-water mark, refuses a growing share of new calls with 503 and Retry-After at once
// (RFC 3261 §21.5.4): a refusal costs a fraction of a call, the carrier's SBC tries another
// worker, and the calls in progress keep the CPU. The share admitted falls by a factor while the
// backlog stays high and climbs back in steps once it is gone (as TCP's congestion window does),
// so a worker at capacity keeps taking about as many calls as it can finish.
// OPTIONS answers 503 while any share is refused, so SBCs that probe send their calls elsewhere.

export interface OverloadSettings {
  /** Unread bytes on the SIP socket above which new calls start to be refused; 0: never refuse. */
  highWaterBytes: number;
  sampleMs: number;
}

/**
 * Half the socket's receive buffer by default: a backlog that size is ~100 ms of work at the
 * worker's top rate, beyond what a garbage collection pause leaves behind, and the other half
 * still holds what arrives before the shedding tells.
 */
export const DEFAULT_BACKLOG_SHARE = 0.5;
export const DEFAULT_SAMPLE_MS = 100;

const MIN_SHARE = 0.05;
const DECREASE = 0.7;
const INCREASE = 0.1;

/** The share of new calls to admit until the next sample, from this sample's backlog. */
export function nextAdmittedShare(share: number, backlogBytes: number, highWaterBytes: number): number {
  if (highWaterBytes <= 0) return 1;
  if (backlogBytes > highWaterBytes) return Math.max(MIN_SHARE, share * DECREASE);
  // Between a quarter of the mark and the mark: hold, the backlog is draining or steady.
  if (backlogBytes > highWaterBytes / 4) return share;
  return Math.min(1, share + INCREASE);
}

export interface OverloadGuardDeps {
  /** Unread bytes on the SIP socket now, or undefined when it cannot be known. */
  backlogBytes: () => number | undefined;
  random: () => number;
  onChange?: (overloaded: boolean, share: number, backlogBytes: number) => void;
}

export class OverloadGuard {
  readonly #settings: OverloadSettings;
  readonly #deps: OverloadGuardDeps;
  #share = 1;
  #timer: NodeJS.Timeout | undefined;

  constructor(settings: OverloadSettings, deps: OverloadGuardDeps) {
    this.#settings = settings;
    this.#deps = deps;
  }

  /** True while some new calls are being refused. */
  get overloaded(): boolean {
    return this.#share < 1;
  }

  /** Whether to take this new call. */
  admit(): boolean {
    return this.#share >= 1 || this.#deps.random() < this.#share;
  }

  start(): void {
    if (this.#settings.highWaterBytes <= 0 || this.#timer !== undefined || this.#deps.backlogBytes() === undefined) return;
    this.#timer = setInterval(() => this.#sample(), this.#settings.sampleMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#share = 1;
  }

  #sample(): void {
    const backlog = this.#deps.backlogBytes() ?? 0;
    const was = this.overloaded;
    this.#share = nextAdmittedShare(this.#share, backlog, this.#settings.highWaterBytes);
    if (this.overloaded !== was) this.#deps.onChange?.(this.overloaded, this.#share, backlog);
  }
}
