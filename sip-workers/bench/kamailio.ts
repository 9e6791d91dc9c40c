// Kamailio (Debian's package) as the anchor: the stateful proxy of shared/bench/kamailio-proxy.cfg,
// started exactly as shared/bench/README.md says for its tuned row (1 child, TLSF allocator,
// 2 GB shared memory). It listens on 127.0.0.1:5070 and relays to the callee on 127.0.0.1:5080.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { waitForSip } from './sip-ping.ts';

export const KAMAILIO_PORT = 5070;
/** Fixed by the config's UAS_DST. */
export const KAMAILIO_CALLEE_PORT = 5080;

export interface RunningKamailio {
  pid: number;
  stop(): Promise<void>;
}

export function kamailioVersion(): string | undefined {
  const result = spawnSync('kamailio', ['-v'], { encoding: 'utf8' });
  return result.error ? undefined : /version:\s*(?:kamailio\s+)?(.+)/.exec(result.stdout)?.[1]?.trim();
}

export async function startKamailio(configFile: string, workDir: string): Promise<RunningKamailio> {
  if (!existsSync(configFile)) throw new Error(`Kamailio config not found: ${configFile}`);
  const pidDir = await mkdtemp(join(workDir, 'kamailio-'));
  const child = spawn('kamailio', [
    '-f', configFile, '-DD', '-E', '-A', 'KCHILDREN=1', '-m', '2048', '-M', '16', '-x', 'tlsf', '-X', 'tlsf', '-P', join(pidDir, 'kamailio.pid'),
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (data: Buffer) => (stderr = (stderr + data.toString()).slice(-4000)));
  const done = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  // A bench that throws must not leave Kamailio holding 127.0.0.1:5070 for the next run.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  void done.then(() => process.off('exit', reap));
  try {
    await Promise.race([
      waitForSip('127.0.0.1', KAMAILIO_PORT),
      done.then(() => Promise.reject(new Error('kamailio exited at start-up'))),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${stderr.trim()}`, { cause: error });
  }
  return {
    pid: child.pid ?? 0,
    stop: async () => {
      // With -DD the main process stays in the foreground and takes its children down on SIGTERM.
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await done;
      clearTimeout(timer);
    },
  };
}
