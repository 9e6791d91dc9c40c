// The real worker process (node sip-workers/src/main.ts, as the Deployment runs it) for tests of
// the process as a whole: its JSON log lines, its metrics, a clean stop and a kill.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after } from 'node:test';
import { collectJsonLines } from '../../../testing/json-log-lines.ts';
import { freePort } from '../../../testing/control-plane/processes.ts';
import { freeTcpAndUdpPort } from './sipp.ts';

const repoRoot = new URL('../../..', import.meta.url).pathname;

export interface WorkerProcess {
  sipPort: number;
  httpPort: number;
  /** The REST API's port (Calls.json). */
  apiPort: number;
  logs: Array<Record<string, unknown>>;
  /** The routing generation /metrics says the worker serves. */
  servedGeneration(): Promise<string | undefined>;
  ready(): Promise<boolean>;
  /** A counter or gauge from /metrics, summed over its label sets (0 when absent). */
  metric(name: string): Promise<number>;
  stop(): Promise<void>;
  /** SIGKILL: no drain, no hang-ups, as when the kernel or a lost node ends it. */
  kill(): Promise<void>;
}

interface Spawned {
  child: ChildProcess;
  logs: Array<Record<string, unknown>>;
  stderr: () => string;
  exited: Promise<void>;
  /** True once the worker logs that it listens; false if it exits first. */
  listening: Promise<boolean>;
}

const listensLine = (line: Record<string, unknown>) => String(line.msg).startsWith('SIP worker listening');

function spawnWorker(env: Record<string, string>): Spawned {
  const child = spawn(process.execPath, [join(repoRoot, 'sip-workers/src/main.ts')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Array<Record<string, unknown>> = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const listening = new Promise<boolean>((resolve) => {
    collectJsonLines(child.stdout, logs, () => {
      if (logs.some(listensLine)) resolve(true);
    });
    void exited.then(() => resolve(false));
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { child, logs, stderr: () => stderr, exited, listening };
}

/** Resolves once the worker listens; false when it exited first. */
async function untilListening(worker: Spawned): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const tooLong = new Promise<'too long'>((resolve) => (timer = setTimeout(() => resolve('too long'), 30_000)));
  const outcome = await Promise.race([worker.listening, tooLong]);
  clearTimeout(timer);
  if (outcome !== 'too long') return outcome;
  worker.child.kill('SIGKILL');
  throw new Error(`the worker did not listen within 30 s; stderr: ${worker.stderr().slice(-2000)}`);
}

/** Call at module top level: the process is stopped when the test file ends. */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  // The worker listens for SIP on UDP and TCP, so its port must be free on both; a port can still
  // be taken between the choice and the bind (another process's ephemeral port), so a worker that
  // exits on EADDRINUSE is started again on other ports.
  for (let attempt = 1; ; attempt++) {
    const sipPort = await freeTcpAndUdpPort();
    const httpPort = await freePort();
    const apiPort = await freePort();
    const worker = spawnWorker({ SWITCHYARD_SIP_HOST: '127.0.0.1', SWITCHYARD_HTTP_HOST: '127.0.0.1', SWITCHYARD_SIP_PORT: String(sipPort), SWITCHYARD_HTTP_PORT: String(httpPort), SWITCHYARD_API_HOST: '127.0.0.1', SWITCHYARD_API_PORT: String(apiPort), LOG_LEVEL: 'info', SWITCHYARD_DRAIN_SECONDS: '1', ...env });
    if (await untilListening(worker)) return running(worker, { sipPort, httpPort, apiPort });
    if (!worker.stderr().includes('EADDRINUSE') || attempt >= 5) throw new Error(`the worker exited before it listened (code ${String(worker.child.exitCode)}); stderr: ${worker.stderr().slice(-2000)}`);
  }
}

function running({ child, logs, stderr, exited }: Spawned, ports: { sipPort: number; httpPort: number; apiPort: number }): WorkerProcess {
  const gone = () => (child.exitCode === null && child.signalCode === null ? undefined : `the worker exited (${String(child.exitCode ?? child.signalCode)}); stderr: ${stderr().slice(-2000)}`);
  // A worker that died answers nothing: say so, rather than let a poll wait out its time on silence.
  const http = async (path: string) => {
    const death = gone();
    if (death !== undefined) throw new Error(death);
    return fetch(`http://127.0.0.1:${ports.httpPort}${path}`).catch(() => undefined);
  };
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  after(stop);
  return {
    ...ports,
    logs,
    servedGeneration: async () => {
      const text = await (await http('/metrics'))?.text();
      return /switchyard_worker_routing_generation_info\{[^}]*generation="([^"]+)"[^}]*\} 1/.exec(text ?? '')?.[1];
    },
    ready: async () => (await http('/readyz'))?.status === 200,
    metric: async (name) => {
      const text = (await (await http('/metrics'))?.text()) ?? '';
      const samples = text.split('\n').filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`));
      return samples.reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    },
    stop: async () => {
      await stop();
      if (stderr().trim() !== '') logs.push({ msg: 'stderr', stderr: stderr() });
    },
    kill: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
