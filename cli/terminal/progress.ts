// A one-line progress bar on stderr: done/total, rate and ETA, redrawn at most ten times a
// second. Drawn only on a terminal: piped or redirected stderr gets no carriage-return noise.
import type { Writable } from 'node:stream';

const width = 24;

export interface ProgressFigures {
  label: string;
  done: number;
  total: number;
  elapsedMs: number;
}

const thousands = (n: number) => Math.round(n).toLocaleString('en-US');

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  return `${Math.floor(seconds / 60)}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
}

/** The line itself, e.g. "validated [#########...............] 37,000/100,000 21,480/s ETA 3s". */
export function formatProgress({ label, done, total, elapsedMs }: ProgressFigures): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(fraction * width);
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const eta = rate > 0 ? (total - done) / rate : Number.POSITIVE_INFINITY;
  return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${thousands(done)}/${thousands(total)} ${thousands(rate)}/s ETA ${duration(eta)}`;
}

export class ProgressBar {
  private readonly stream: Writable | undefined;
  private readonly label: string;
  private readonly started = performance.now();
  private drawnAt = 0;
  private total: number;
  private done = 0;

  /** `stream` undefined (not a terminal) makes every method a no-op. */
  constructor(stream: Writable | undefined, label: string, total: number) {
    this.stream = stream;
    this.label = label;
    this.total = total;
  }

  update(done: number, total = this.total): void {
    this.done = done;
    this.total = total;
    const now = performance.now();
    if (this.stream && now - this.drawnAt >= 100) {
      this.drawnAt = now;
      this.draw(now);
    }
  }

  /** The final figures, then a newline so what follows starts on its own line. */
  finish(): void {
    if (!this.stream) return;
    this.draw(performance.now());
    this.stream.write('\n');
  }

  private draw(now: number): void {
    this.stream?.write(`\r${formatProgress({ label: this.label, done: this.done, total: this.total, elapsedMs: now - this.started })}\u001b[K`);
  }
}
