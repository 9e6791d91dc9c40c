// SIPp as the peer in call tests: a UAC that places calls and checks each SIP outcome, and UASes
// standing in for callees and trunks. Scenarios are XML written per test (scenarios.ts), so
// every expectation is visible next to the test that relies on it.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:net';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../testing/control-plane/processes.ts';

const probe: unknown = spawnSync('sipp', ['-v'], { stdio: 'ignore' }).error;
export const sippMissing = probe instanceof Error && 'code' in probe && probe.code === 'ENOENT' ? 'sipp binary not installed (apt-get install sip-tester)' : false;

export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/**
 * A loopback port free for TCP as well as UDP, for SIPp over TCP: a port free for UDP alone can be
 * in use on TCP (a client connection's ephemeral port), and SIPp then fails to bind (CI saw errno 98).
 */
export async function freeTcpAndUdpPort(): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const socket = createSocket('udp4');
    const bound = await new Promise<boolean>((resolve) => {
      socket.once('error', () => resolve(false));
      socket.bind(port, '127.0.0.1', () => resolve(true));
    });
    if (bound) await new Promise<void>((resolve) => socket.close(() => resolve()));
    if (bound || attempt >= 20) return port;
  }
}

let scenarioDir: Promise<string> | undefined;
async function scenarioFile(xml: string): Promise<string> {
  scenarioDir ??= mkdtemp(join(tmpdir(), 'switchyard-sipp-'));
  const file = join(await scenarioDir, `${Math.random().toString(36).slice(2)}.xml`);
  await writeFile(file, xml);
  return file;
}

export interface SippResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface SippOptions {
  /** Scenario XML, or a built-in scenario name such as 'uac'. */
  scenario: string;
  remote?: string;
  localPort?: number;
  calls?: number;
  rate?: number;
  transport?: 'udp' | 'tcp';
  /** The loopback address SIPp sends from (default 127.0.0.1). */
  localIp?: string;
  /** [name, value] pairs for SIPp's -key (the scenario reads them as [name]). */
  keys?: Array<[string, string]>;
  extraArgs?: string[];
}

async function sippArgs(options: SippOptions): Promise<string[]> {
  const scenario = options.scenario.trimStart().startsWith('<') ? ['-sf', await scenarioFile(options.scenario)] : ['-sn', options.scenario];
  return [
    ...scenario,
    ...(options.remote ? [options.remote] : []),
    '-i', options.localIp ?? '127.0.0.1',
    '-p', String(options.localPort ?? (options.transport === 'tcp' ? await freeTcpAndUdpPort() : await freeUdpPort())),
    ...(options.transport === 'tcp' ? ['-t', 't1'] : []),
    ...(options.calls === undefined ? [] : ['-m', String(options.calls)]),
    ...(options.rate === undefined ? [] : ['-r', String(options.rate)]),
    ...(options.keys ?? []).flatMap(([name, value]) => ['-key', name, value]),
    '-nostdin', '-timeout_error', '-recv_timeout', '10000',
    ...(options.extraArgs ?? []),
  ];
}

function collect(child: ChildProcess): Promise<SippResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr?.on('data', (data: Buffer) => (stderr += data.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

/** Runs a UAC to completion (bounded by -timeout). Exit 0 means every call followed the scenario. */
export async function runSipp(options: SippOptions & { timeoutSeconds?: number }): Promise<SippResult> {
  const args = [...(await sippArgs(options)), '-timeout', `${options.timeoutSeconds ?? 20}s`];
  return collect(spawn('sipp', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
}

export interface SippServer {
  port: number;
  /** Resolves when the UAS exits (after its -m calls, or when stopped). */
  exited: Promise<SippResult>;
  stop(): Promise<SippResult>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts a UAS on a free port; with `calls`, it exits on its own after handling that many. */
export async function startSippServer(options: Omit<SippOptions, 'remote' | 'rate'>): Promise<SippServer> {
  const port = options.localPort ?? (options.transport === 'tcp' ? await freeTcpAndUdpPort() : await freeUdpPort());
  const child = spawn('sipp', await sippArgs({ ...options, localPort: port }), { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = collect(child);
  // A UAS whose call never came must not keep the test file's process (and so the whole run)
  // alive after its tests failed: it holds no event loop reference and dies with the process.
  child.unref();
  // Pipes to a child are sockets, whatever the stream type says.
  (child.stdout as Socket | null)?.unref();
  (child.stderr as Socket | null)?.unref();
  running.add(child);
  void exited.then(() => running.delete(child));
  // SIPp binds synchronously at start-up; give it a moment before the first INVITE arrives.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return {
    port,
    exited,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
