// Runs the real operator (node operator/src/main.ts) as a child process against a test cluster.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after } from 'node:test';
import { collectJsonLines } from './json-log-lines.ts';

const repoRoot = new URL('..', import.meta.url).pathname;

export interface OperatorProcess {
  identity: string;
  child: ChildProcess;
  logs: Array<Record<string, unknown>>;
  address(): Promise<string>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** SIGKILL: no clean shutdown, as when a node dies. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export function startOperator(kubeconfig: string, env: Record<string, string> = {}): OperatorProcess {
  const identity = env.SWITCHYARD_IDENTITY ?? `operator-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const child = spawn(process.execPath, [join(repoRoot, 'operator/src/main.ts')], {
    env: { ...process.env, KUBECONFIG: kubeconfig, SWITCHYARD_HTTP_ADDRESS: '127.0.0.1:0', SWITCHYARD_IDENTITY: identity, SWITCHYARD_LEADER_ELECTION: 'false', LOG_LEVEL: 'debug', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  const listeners = new Set<() => void>();
  collectJsonLines(child.stdout, logs, () => {
    for (const listener of listeners) listener();
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const waitForLog = (predicate: (line: Record<string, unknown>) => boolean, timeoutMs = 30_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const found = logs.find(predicate);
        if (found) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`operator ${identity}: no matching log line within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}; last logs: ${JSON.stringify(logs.slice(-5))}`));
      }, timeoutMs);
      listeners.add(check);
      check();
    });

  const address = async () => String((await waitForLog((line) => line.msg === 'http listening')).address);
  const operator: OperatorProcess = {
    identity, child, logs, address, waitForLog,
    async metric(name, labels = {}) {
      const text = await (await fetch(`http://${await address()}/metrics`)).text();
      let total = 0;
      for (const line of text.split('\n')) {
        if (!line.startsWith(name)) continue;
        const match = /^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
        if (!match || match[1] !== name) continue;
        if (Object.entries(labels).every(([key, value]) => match[2]?.includes(`${key}="${value}"`))) total += Number(match[3]);
      }
      return total;
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  after(() => operator.kill());
  return operator;
}

/** Polls `check` until it returns a value (not undefined/false) or the time runs out. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
