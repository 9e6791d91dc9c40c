// The SIP worker under test, as production runs it but in standalone mode: main.ts in its own
// process (one Node thread, so one core) over a routing directory written with the worker's own
// writer. Its log goes to a file (at info, a line per call, as in production); the bench reads
// its counters from /metrics.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeRoutingDirectory } from '../src/routing/routing-directory.ts';
import { freePort } from '../../testing/control-plane/processes.ts';
import { freeTcpAndUdpPort } from '../test/support/sipp.ts';
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

const httpUp = (port: number, path: string) => fetch(`http://127.0.0.1:${port}${path}`).then((response) => response.ok, () => false);

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
  // Ports chosen here rather than read from the log, which says nothing below LOG_LEVEL=info.
  // The worker binds TCP as well as UDP on its SIP port.
  const sipPort = await freeTcpAndUdpPort();
  const httpPort = await freePort();
  const logFile = join(workDir, 'worker.log');
  const fd = openSync(logFile, 'w');
  // BENCH_WORKER_NODE_FLAGS tries V8 settings on the worker alone, e.g. --max-semi-space-size=64.
  const flags = (process.env.BENCH_WORKER_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...flags, mainEntry], {
    stdio: ['ignore', fd, fd],
    env: {
      ...process.env,
      ...routingVariables,
      SWITCHYARD_CARRIER: carrier,
      SWITCHYARD_SIP_HOST: '127.0.0.1',
      SWITCHYARD_SIP_PORT: String(sipPort),
      SWITCHYARD_HTTP_HOST: '127.0.0.1',
      SWITCHYARD_HTTP_PORT: String(httpPort),
      // The REST API is on, as in production, so its call ledger costs here what it costs there;
      // BENCH_WORKER_API=0 turns it off, to measure that cost.
      SWITCHYARD_API_HOST: '127.0.0.1',
      SWITCHYARD_API_PORT: process.env.BENCH_WORKER_API === '0' ? '0' : String(await freePort()),
      SWITCHYARD_DRAIN_SECONDS: '0',
      LOG_LEVEL: logLevel,
    },
  });
  closeSync(fd);
  const done = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  // A bench that throws must not leave the worker running.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  void done.then(() => process.off('exit', reap));
  const deadline = Date.now() + 20_000;
  // main.ts opens its HTTP port once SIP listens; ready means a routing generation is loaded too.
  const path = options.waitReady === false ? '/livez' : '/readyz';
  while (!(await httpUp(httpPort, path))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the worker did not come up (${path}):\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    pid: child.pid ?? 0,
    sipPort,
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
