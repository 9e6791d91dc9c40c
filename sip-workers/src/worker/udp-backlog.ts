// How many bytes of datagrams wait unread in the kernel for a local UDP port: the rx_queue column
// of /proc/net/udp (and udp6), which Linux keeps per socket. In a pod the file lists only the
// pod's own sockets, so reading it a few times a second costs next to nothing. Elsewhere (no
// /proc) the answer is undefined and the worker never sheds load on it.
import { readFileSync } from 'node:fs';

const TABLES = ['/proc/net/udp', '/proc/net/udp6'];

/** The rx_queue bytes of every socket bound to `port` in one /proc/net/udp text (header line first). */
export function backlogInTable(table: string, port: number): number {
  const wanted = port.toString(16).toUpperCase().padStart(4, '0');
  let bytes = 0;
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    const queues = fields[4];
    if (local === undefined || queues === undefined || local.slice(local.lastIndexOf(':') + 1) !== wanted) continue;
    bytes += Number.parseInt(queues.slice(queues.indexOf(':') + 1), 16) || 0;
  }
  return bytes;
}

export function udpBacklogBytes(port: number): number | undefined {
  let found = false;
  let bytes = 0;
  for (const path of TABLES) {
    try {
      bytes += backlogInTable(readFileSync(path, 'latin1'), port);
      found = true;
    } catch {
      // No such table here (no IPv6, or not Linux).
    }
  }
  return found ? bytes : undefined;
}
