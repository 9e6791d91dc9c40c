// Every process `make run` starts, stopped newest first when it ends: SIGTERM to the process
// group, the grace period, then SIGKILL. Each child gets its own process group, so a terminal's
// Ctrl-C reaches only us and the order of shutdown is ours (kube-apiserver hangs on a dead etcd);
// its output goes to a log file, never to our stdout, which a parent (make, CI) may be reading.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync, writeFileSync } from 'node:fs';
import { processAlive as alive } from '../../testing/control-plane/processes.ts';

export interface Started {
  name: string;
  pid: number;
  child: ChildProcess;
  /** Resolves with a description (`exit code 1`, `signal SIGKILL`) once the process has ended. */
  exited: Promise<string>;
  exit(): string | undefined;
}

interface Entry {
  name: string;
  pids: number[];
  stop(): Promise<void>;
}

const cmdlineOf = (pid: number): string | undefined => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
};

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

async function terminate(started: Started, graceMs: number): Promise<void> {
  if (started.exit() === undefined) {
    signalGroup(started.pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(started.pid, 'SIGKILL'), graceMs);
    await started.exited;
    clearTimeout(timer);
  }
  // Anything the process left behind in its group.
  signalGroup(started.pid, 'SIGKILL');
}

export class Supervisor {
  private readonly entries: Entry[] = [];
  private stopping = false;
  private readonly pidFile: string;
  private readonly log: (line: string) => void;

  /** `pidFile` lists what runs, so the next run can end what a killed run left behind. */
  constructor(pidFile: string, log: (line: string) => void) {
    this.pidFile = pidFile;
    this.log = log;
  }

  /** Ends processes a previous run recorded and never stopped (it was killed); matches pid and command line, so a reused pid is left alone. */
  reapPrevious(): string[] {
    let recorded: Array<{ pid: number; name: string; cmdline: string }>;
    try {
      recorded = readFileSync(this.pidFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { pid: number; name: string; cmdline: string });
    } catch {
      return [];
    }
    const reaped: string[] = [];
    for (const { pid, name, cmdline } of recorded.reverse()) {
      if (alive(pid) && cmdlineOf(pid) === cmdline) {
        signalGroup(pid, 'SIGKILL');
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
        reaped.push(`${name} (pid ${pid})`);
      }
    }
    writeFileSync(this.pidFile, '');
    return reaped;
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  start(name: string, command: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd: string; logFile: string; graceMs: number }): Started {
    if (this.stopping) throw new Error(`not starting ${name}: shutting down`);
    const log = openSync(options.logFile, 'w');
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', log, log], detached: true });
    let exit: string | undefined;
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => resolve((exit = signal ? `signal ${signal}` : `exit code ${code}`)));
      // spawn failures (ENOENT) emit 'error' and no 'exit'.
      child.once('error', (error) => resolve((exit = error.message)));
    });
    const started: Started = { name, pid: child.pid ?? 0, child, exited, exit: () => exit };
    if (started.pid > 0) this.track({ name, pids: [started.pid], stop: () => terminate(started, options.graceMs) });
    return started;
  }

  /** Processes started elsewhere (the control plane) with their own stop. */
  adopt(name: string, pids: number[], stop: () => Promise<void>): void {
    this.track({ name, pids, stop });
  }

  private track(entry: Entry): void {
    this.entries.push(entry);
    const lines = entry.pids.map((pid) => JSON.stringify({ pid, name: entry.name, cmdline: cmdlineOf(pid) ?? '' }));
    writeFileSync(this.pidFile, lines.map((line) => `${line}\n`).join(''), { flag: 'a' });
  }

  /** Newest first, each gone before the next is told. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    while (this.entries.length > 0) {
      const entry = this.entries.pop();
      if (!entry) break;
      this.log(`stopping ${entry.name}`);
      await entry.stop().catch((error: unknown) => this.log(`stopping ${entry.name} failed: ${(error as Error).message}; killing it`));
      for (const pid of entry.pids) signalGroup(pid, 'SIGKILL');
    }
    writeFileSync(this.pidFile, '');
  }

  /** For an exit we did not plan (an exception): no waiting possible, so SIGKILL to everything. */
  killAllNow(): void {
    for (const entry of this.entries.reverse()) for (const pid of entry.pids) signalGroup(pid, 'SIGKILL');
  }
}
