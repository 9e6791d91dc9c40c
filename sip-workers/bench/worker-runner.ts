// The SIP worker under test, as production runs it but in standalone mode: main.ts in its own
// process (one Node thread, so one core) over a routing directory written with the worker's own
// writer. Its log goes to a file (at info, a line per call, as in production); the bench reads
// its addresses from the log and its counters from /metrics.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeRoutingDirectory } from '../src/routing/routing-directory.ts';
import type { RoutingTexts } from '../test/support/routing-fixture.ts';

const mainEntry = new URL('../src/main.ts', import.meta.url).pathname;

export interface RunningWorker {
  pid: number;
  sipPort: number;
  httpPort: number;
  logFile: string;
  /** Sum of a metric's samples whose labels include the given ones. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  stop(): Promise<void>;
}

interface Listening {
  sip: string;
  http: string;
}

function listeningLine(logFile: string): Listening | undefined {
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('SIP worker listening')) continue;
    const parsed = JSON.parse(line) as Partial<Listening>;
    if (typeof parsed.sip === 'string' && typeof parsed.http === 'string') return { sip: parsed.sip, http: parsed.http };
  }
  return undefined;
}

const portOf = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1));

/** Standalone over a directory written from these texts, or through the Kubernetes API as in a pod. */
export type WorkerRouting =
  | { directory: RoutingTexts }
  | { kube: { kubeconfig: string; namespace: string; podName: string } };

async function routingEnv(routing: WorkerRouting, workDir: string): Promise<Record<string, string>> {
  if ('kube' in routing) {
    const { kubeconfig, namespace, podName } = routing.kube;
    return { SWITCHYARD_KUBECONFIG: kubeconfig, SWITCHYARD_NAMESPACE: namespace, SWITCHYARD_POD_NAME: podName };
  }
  const texts = routing.directory;
  const dir = join(workDir, 'routing');
  await writeRoutingDirectory(dir, { manifest: texts.manifest, shards: new Map(texts.shards.map((shard) => [shard.name, shard.text])), secrets: texts.secrets });
  return { SWITCHYARD_ROUTING_DIR: dir };
}

/** Starts the worker and waits until it listens and, unless told otherwise, serves a routing generation. */
export async function startWorker(routing: WorkerRouting, carrier: string, workDir: string, logLevel: string, options: { waitReady?: boolean } = {}): Promise<RunningWorker> {
  const routingVariables = await routingEnv(routing, workDir);
  const logFile = join(workDir, 'worker.log');
  const fd = openSync(logFile, 'w');
  const child = spawn(process.execPath, [mainEntry], {
    stdio: ['ignore', fd, fd],
    env: {
      ...process.env,
      ...routingVariables,
      SWITCHYARD_CARRIER: carrier,
      SWITCHYARD_SIP_HOST: '127.0.0.1',
      SWITCHYARD_SIP_PORT: '0',
      SWITCHYARD_HTTP_HOST: '127.0.0.1',
      SWITCHYARD_HTTP_PORT: '0',
      SWITCHYARD_DRAIN_SECONDS: '0',
      LOG_LEVEL: logLevel,
    },
  });
  closeSync(fd);
  const done = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const deadline = Date.now() + 20_000;
  let listening: Listening | undefined;
  while (!(listening = listeningLine(logFile))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the worker did not start:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const httpPort = portOf(listening.http);
  // Ready means a routing generation is loaded, which the routing source does asynchronously.
  for (;;) {
    if (options.waitReady === false) break;
    const ready = await fetch(`http://127.0.0.1:${httpPort}/readyz`).then((response) => response.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`the worker never became ready:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    pid: child.pid ?? 0,
    sipPort: portOf(listening.sip),
    httpPort,
    logFile,
    metric: async (name, labels = {}) => {
      const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      let sum = 0;
      for (const line of text.split('\n')) {
        if (!line.startsWith(name) || !(line[name.length] === ' ' || line[name.length] === '{')) continue;
        if (!Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) continue;
        sum += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
      }
      return sum;
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(timer);
    },
  };
}
