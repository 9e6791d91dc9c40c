// SIPp as the load generator: a callee (`-sn uas`) on a fixed port and a caller that places a
// bounded number of calls at one rate, with 4 MB socket buffers (below that, UDP receive-buffer
// overflows rather than the system under test set the limit; shared/bench/README.md). Each run
// works in its own directory, where SIPp leaves its rtt, stat and error traces.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseRttCsv, parseStatCsv } from './rtt-stats.ts';

export const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

export interface CallerRun {
  /** Scenario XML (see uac-scenarios.ts). */
  scenario: string;
  remote: string;
  localPort: number;
  rate: number;
  calls: number;
  /** The Request-URI user ([service]). */
  service: string;
  extraArgs?: string[];
  /** Where SIPp writes its traces (a fresh directory under it per run). */
  workDir: string;
}

export interface CallerResult {
  rate: number;
  calls: number;
  successful: number;
  failed: number;
  retransmissions: number;
  /** Calls SIPp had not finished when it stopped (bounded by -timeout). */
  unfinished: number;
  /** The rate SIPp actually achieved over the run, calls/s. */
  achievedRate: number;
  elapsedMs: number;
  /** Response times in ms by rtd number (1: the 100 Trying, 2: the 200). */
  rtt: Map<number, number[]>;
  exitCode: number | null;
  /** The first lines of SIPp's -trace_err log when calls failed. */
  errors: string;
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

async function traceFile(dir: string, suffix: string): Promise<string> {
  const name = (await readdir(dir)).find((file) => file.endsWith(suffix));
  return name === undefined ? '' : readFile(join(dir, name), 'utf8');
}

const counter = (stats: Map<string, string>, name: string): number => Number(stats.get(name) ?? 0) || 0;

export async function runCaller(run: CallerRun): Promise<CallerResult> {
  const dir = await mkdtemp(join(run.workDir, `uac-${run.rate}-`));
  const scenarioFile = join(dir, 'caller.xml');
  await writeFile(scenarioFile, run.scenario);
  // Calls should end within the step; -timeout bounds a run whose calls hang (they count as unfinished).
  const timeoutSeconds = Math.ceil(run.calls / run.rate) + 15;
  const args = [
    '-sf', scenarioFile, run.remote,
    '-i', '127.0.0.1', '-p', String(run.localPort),
    '-s', run.service,
    '-r', String(run.rate), '-m', String(run.calls), '-l', String(Math.max(1000, run.rate * 10)),
    '-buff_size', String(SOCKET_BUFFER_BYTES),
    '-recv_timeout', '8000', '-timeout', `${timeoutSeconds}s`,
    '-trace_rtt', '-rtt_freq', '1', '-trace_stat', '-fd', '1', '-trace_err',
    '-nostdin',
    ...(run.extraArgs ?? []),
  ];
  const started = performance.now();
  const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (data: Buffer) => (stderr = (stderr + data.toString()).slice(-2000)));
  const exitCode = await exited(child);
  const elapsedMs = performance.now() - started;
  const stats = parseStatCsv(await traceFile(dir, '_.csv'));
  const successful = counter(stats, 'SuccessfulCall(C)');
  const failed = counter(stats, 'FailedCall(C)');
  const errorLog = await traceFile(dir, '_errors.log');
  return {
    rate: run.rate,
    calls: run.calls,
    successful,
    failed,
    retransmissions: counter(stats, 'Retransmissions(C)'),
    unfinished: Math.max(0, run.calls - successful - failed),
    achievedRate: Number.parseFloat(stats.get('CallRate(C)') ?? '0') || 0,
    elapsedMs,
    rtt: parseRttCsv(await traceFile(dir, '_rtt.csv')),
    exitCode,
    errors: [errorLog.split('\n').slice(0, 12).join('\n'), stderr.trim()].filter(Boolean).join('\n'),
  };
}

export interface Callee {
  port: number;
  stop(): Promise<void>;
}

/** SIPp's built-in callee: 180, 200 with SDP, waits for ACK and BYE. */
export async function startCallee(port: number, workDir: string): Promise<Callee> {
  const dir = await mkdtemp(join(workDir, 'uas-'));
  const child = spawn('sipp', ['-sn', 'uas', '-i', '127.0.0.1', '-p', String(port), '-buff_size', String(SOCKET_BUFFER_BYTES), '-nostdin'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (data: Buffer) => (stderr += data.toString()));
  const done = exited(child);
  // SIPp binds at start-up; if the port is taken it exits at once, which this catches.
  const early = await Promise.race([done, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 300))]);
  if (early !== 'running') throw new Error(`SIPp callee on 127.0.0.1:${port} exited (${early}): ${stderr.trim()}`);
  return {
    port,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await done;
      clearTimeout(timer);
    },
  };
}
