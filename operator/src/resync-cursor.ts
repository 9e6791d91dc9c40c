// A periodic resync recompiles every PhoneNumber, but not in one pass: at 100,000 numbers a full
// compile takes 1.5-3 s, and every edit that arrives meanwhile waits for it (it was the edit
// latency benchmark's p99). The cursor hands out the numbers a slice per pass instead, so passes
// stay short and edits ride along with the slices.
export class ResyncCursor {
  private keys: string[] = [];
  private position = 0;
  private readonly slice: number;

  constructor(slice: number) {
    this.slice = slice;
  }

  /** Starts over with these keys (a resync that arrives mid-way restarts the walk). */
  start(keys: string[]): void {
    this.keys = keys;
    this.position = 0;
  }

  /** The next slice of keys to recompile; empty when the walk is done. */
  next(): string[] {
    const slice = this.keys.slice(this.position, this.position + this.slice);
    this.position += slice.length;
    if (this.done) this.keys = [];
    return slice;
  }

  get done(): boolean {
    return this.position >= this.keys.length;
  }
}
