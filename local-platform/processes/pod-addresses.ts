// Each local process gets an address of its own, as each pod has one: Linux routes all of
// 127.0.0.0/8 to the loopback interface, so the ports in the pod templates (5060, 8080, 2223) can
// stay as written. A port that is still taken (something bound it on every address) moves.
import { createSocket } from 'node:dgram';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';

export type Protocol = 'TCP' | 'UDP';

/**
 * Addresses 127.A.B.10, .11, ... with A.B from the run directory: the same for every run of one
 * checkout, different for a test's run in a temporary directory. Elsewhere only 127.0.0.1 exists.
 */
export function podAddresses(runDir: string, platform: NodeJS.Platform = process.platform): () => string {
  if (platform !== 'linux') return () => '127.0.0.1';
  const digest = createHash('sha256').update(runDir).digest();
  const prefix = `127.${1 + ((digest[0] ?? 0) % 254)}.${digest[1] ?? 0}`;
  let next = 10;
  return () => `${prefix}.${next++}`;
}

function tcpFree(ip: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ host: ip, port, exclusive: true }, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
    });
  });
}

function udpFree(ip: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(undefined);
    });
    socket.bind({ address: ip, port, exclusive: true }, () => {
      const bound = socket.address().port;
      socket.close(() => resolve(bound));
    });
  });
}

async function free(ip: string, port: number, protocols: ReadonlySet<Protocol>): Promise<boolean> {
  for (const protocol of protocols) {
    if ((await (protocol === 'TCP' ? tcpFree(ip, port) : udpFree(ip, port))) === undefined) return false;
  }
  return true;
}

/** A port the kernel picks on `ip`, checked free for every protocol needed. */
async function anyFree(ip: string, protocols: ReadonlySet<Protocol>): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const first = [...protocols][0] ?? 'TCP';
    const port = await (first === 'TCP' ? tcpFree(ip, 0) : udpFree(ip, 0));
    if (port !== undefined && (await free(ip, port, protocols))) return port;
  }
  throw new Error(`no free port on ${ip}`);
}

/**
 * Declared container ports that are taken on `ip`, each with the free port used instead.
 * `claimed` holds the `ip:port` of processes planned but not started yet, and gains these.
 */
export async function movePortsInUse(ip: string, declared: Array<{ containerPort: number; protocol?: string }>, claimed: Set<string>): Promise<Map<number, number>> {
  const byPort = new Map<number, Set<Protocol>>();
  for (const { containerPort, protocol } of declared) {
    const protocols = byPort.get(containerPort) ?? new Set<Protocol>();
    protocols.add(protocol === 'UDP' ? 'UDP' : 'TCP');
    byPort.set(containerPort, protocols);
  }
  const moved = new Map<number, number>();
  for (const [port, protocols] of byPort) {
    let local = port;
    while (claimed.has(`${ip}:${local}`) || !(await free(ip, local, protocols))) local = await anyFree(ip, protocols);
    if (local !== port) moved.set(port, local);
    claimed.add(`${ip}:${local}`);
  }
  return moved;
}

/** A free port on 127.0.0.1 for the demo's own servers. */
export function freeLoopbackPort(protocol: Protocol): Promise<number> {
  return anyFree('127.0.0.1', new Set([protocol]));
}
