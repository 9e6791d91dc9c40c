// A token bucket: `qps` tokens a second, at most `burst` saved up. Two lanes share it: a waiting
// foreground request (routing, leader election) always gets the next token before any background
// one (statuses), so 100,000 queued status writes never delay a routing update or a lease renewal.
export type Lane = 'foreground' | 'background';

export class RateLimiter {
  private tokens: number;
  private last = performance.now();
  private readonly qps: number;
  private readonly burst: number;
  private readonly waiting: Record<Lane, Array<() => void>> = { foreground: [], background: [] };
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(qps: number, burst: number) {
    this.qps = qps;
    this.burst = burst;
    this.tokens = burst;
  }

  take(lane: Lane = 'foreground'): Promise<void> {
    this.refill();
    const ahead = this.waiting.foreground.length + (lane === 'background' ? this.waiting.background.length : 0);
    if (ahead === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiting[lane].push(resolve);
      this.schedule();
    });
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refill();
      while (this.tokens >= 1) {
        const next = this.waiting.foreground.shift() ?? this.waiting.background.shift();
        if (!next) return;
        this.tokens -= 1;
        next();
      }
      if (this.waiting.foreground.length + this.waiting.background.length > 0) this.schedule();
    }, Math.max(1, Math.ceil(((1 - this.tokens) / this.qps) * 1000)));
  }
}
