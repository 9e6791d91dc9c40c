// The operator as a child process for the benchmark. testing/operator-process.ts does the same for
// tests but registers a node:test after() hook, which would make this script print an empty test
// summary; the benchmark is a plain program, so it keeps its own small copy.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';

const repoRoot = new URL('../..', import.meta.url).pathname;

type LogLine = Record<string, unknown>;

export interface BenchOperator {
  child: ChildProcess;
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  address(): Promise<string>;
  /** The sum of a Prometheus metric's samples whose labels include `labels`. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** Every sample of the metrics text, by name with labels, e.g. `switchyard_writes_total{operation="apply"}`. */
  samples(): Promise<Map<string, number>>;
  /** Every log line from now on, to `listener`, until the returned function is called. */
  tap(listener: (line: LogLine) => void): () => void;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// A benchmark that throws must not leave operators running against the next control plane.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * The operator runs as it is meant to be deployed (docs/adr/0002-operator-at-scale.md): with its
 * V8 heap capped. Without a cap, Node on this 24 GB machine lets the old generation grow to ~4
 * times what is live before collecting, and the young generation to 128 MB.
 */
export const operatorNodeOptions = '--max-old-space-size=320 --max-semi-space-size=16';

export function startBenchOperator(kubeconfig: string, env: Record<string, string>): BenchOperator {
  const child = spawn(process.execPath, [join(repoRoot, 'operator/src/main.ts')], {
    env: { ...process.env, NODE_OPTIONS: operatorNodeOptions, KUBECONFIG: kubeconfig, SWITCHYARD_HTTP_ADDRESS: '127.0.0.1:0', SWITCHYARD_LEADER_ELECTION: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    running.delete(child);
    resolve();
  }));
  // Only the lines someone waits for are kept: at 100,000 numbers the log is long.
  const waiting = new Set<{ predicate: (line: LogLine) => boolean; resolve: (line: LogLine) => void }>();
  const seen: LogLine[] = [];
  const taps = new Set<(line: LogLine) => void>();
  let buffer = '';
  let stderr = '';
  // BENCH_OPERATOR_LOG=FILE keeps the whole log, to line a slow edit up with the passes around it.
  const keptLog = process.env.BENCH_OPERATOR_LOG ? createWriteStream(process.env.BENCH_OPERATOR_LOG, { flags: 'a' }) : undefined;
  child.stdout?.on('data', (chunk: Buffer) => {
    keptLog?.write(chunk);
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const text of lines) {
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { msg: text };
      }
      if (line.msg === 'http listening' || line.msg === 'caches synced' || line.msg === 'became leader') seen.push(line);
      for (const listener of taps) listener(line);
      for (const waiter of waiting) {
        if (waiter.predicate(line)) {
          waiting.delete(waiter);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));

  const waitForLog = (predicate: (line: LogLine) => boolean, timeoutMs = 60_000) => {
    const found = seen.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise<LogLine>((resolve, reject) => {
      const waiter = { predicate, resolve: (line: LogLine) => { clearTimeout(timer); resolve(line); } };
      const timer = setTimeout(() => {
        waiting.delete(waiter);
        reject(new Error(`operator: no matching log line within ${timeoutMs} ms; stderr: ${stderr}`));
      }, timeoutMs);
      waiting.add(waiter);
    });
  };
  const address = async () => String((await waitForLog((line) => line.msg === 'http listening')).address);
  const samples = async () => {
    const text = await (await fetch(`http://${await address()}/metrics`)).text();
    const values = new Map<string, number>();
    for (const line of text.split('\n')) {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) ([0-9.e+-]+|NaN)$/.exec(line);
      if (match?.[1]) values.set(match[1], Number(match[2]));
    }
    return values;
  };
  return {
    child, waitForLog, address, samples,
    tap(listener) {
      taps.add(listener);
      return () => taps.delete(listener);
    },
    async metric(name, labels = {}) {
      let total = 0;
      for (const [key, value] of await samples()) {
        const [metricName, labelText = ''] = key.split('{');
        if (metricName === name && Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) total += value;
      }
      return total;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
