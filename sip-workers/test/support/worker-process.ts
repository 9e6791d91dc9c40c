// The real worker process (node sip-workers/src/main.ts, as the Deployment runs it) for tests
// that go through the Kubernetes API: its JSON log lines, its metrics, and a clean stop.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after } from 'node:test';
import { collectJsonLines } from '../../../testing/json-log-lines.ts';
import { freePort } from '../../../testing/control-plane/processes.ts';
import { freeUdpPort } from './sipp.ts';

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
}

/** Call at module top level: the process is stopped when the test file ends. */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const sipPort = await freeUdpPort();
  // HTTP and the REST API listen on TCP: a port free for UDP alone may be taken on TCP.
  const httpPort = await freePort();
  const apiPort = await freePort();
  const child = spawn(process.execPath, [join(repoRoot, 'sip-workers/src/main.ts')], {
    env: { ...process.env, SWITCHYARD_SIP_HOST: '127.0.0.1', SWITCHYARD_HTTP_HOST: '127.0.0.1', SWITCHYARD_SIP_PORT: String(sipPort), SWITCHYARD_HTTP_PORT: String(httpPort), SWITCHYARD_API_HOST: '127.0.0.1', SWITCHYARD_API_PORT: String(apiPort), LOG_LEVEL: 'info', SWITCHYARD_DRAIN_SECONDS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  collectJsonLines(child.stdout, logs);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const http = (path: string) => fetch(`http://127.0.0.1:${httpPort}${path}`).catch(() => undefined);
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  after(stop);
  return {
    sipPort,
    httpPort,
    apiPort,
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
      if (stderr.trim() !== '') logs.push({ msg: 'stderr', stderr });
    },
  };
}
