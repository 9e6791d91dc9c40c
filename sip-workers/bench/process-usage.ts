// What /proc (Linux) says during a step: CPU time and resident memory of a process and its
// descendants (the worker, or Kamailio's main process and its forked children), the machine's
// busy time (to tell our load from other people's), and UDP datagrams dropped on full buffers.
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux, whatever the kernel's HZ
const PAGE_BYTES = 4096;

interface ProcStat {
  pid: number;
  ppid: number;
  cpuTicks: number;
  rssPages: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: fields count from after ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const field = (n: number) => Number(fields[n - 3] ?? 0);
    return { pid, ppid: field(4), cpuTicks: field(14) + field(15), rssPages: field(24) };
  } catch {
    return undefined;
  }
}

function tree(root: number): ProcStat[] {
  const all = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map((name) => readStat(Number(name))).filter((stat) => stat !== undefined);
  const found = all.filter((stat) => stat.pid === root);
  for (let i = 0; i < found.length; i++) {
    const parent = found[i]?.pid;
    found.push(...all.filter((stat) => stat.ppid === parent));
  }
  return found;
}

export interface Usage {
  cpuSeconds: number;
  rssBytes: number;
}

export function processUsage(pid: number): Usage {
  const stats = tree(pid);
  return {
    cpuSeconds: stats.reduce((sum, stat) => sum + stat.cpuTicks, 0) / CLOCK_TICKS_PER_SECOND,
    rssBytes: stats.reduce((sum, stat) => sum + stat.rssPages, 0) * PAGE_BYTES,
  };
}

/** CPU seconds all cores spent busy since boot (/proc/stat, everything but idle and iowait). */
export function machineBusySeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS_PER_SECOND;
}

/** CPU seconds of this process plus its children that have exited and been waited for (SIPp runs, once over). */
export function ownAndReapedCpuSeconds(): number {
  const text = readFileSync('/proc/self/stat', 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const field = (n: number) => Number(fields[n - 3] ?? 0);
  return (field(14) + field(15) + field(16) + field(17)) / CLOCK_TICKS_PER_SECOND;
}

/** Datagrams the kernel dropped because a UDP socket's receive buffer was full (machine-wide, /proc/net/snmp). */
export function udpReceiveBufferErrors(): number {
  const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((line) => line.startsWith('Udp:'));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  return Number(values[names.indexOf('RcvbufErrors')] ?? 0);
}
