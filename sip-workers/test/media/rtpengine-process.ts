// rtpengine (Debian's rtpengine-daemon) for tests: userspace forwarding (--table=-1, no kernel
// module), on loopback, its ng port and media port range chosen per run, and an ng client to ask
// it what it holds. The flags are the operator's (operator/src/compile/workloads/media-relay.ts)
// plus --config-file=none, so the package's /etc/rtpengine/rtpengine.conf is not read.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { NgClient } from '../../src/media/ng-client.ts';
import type { NgAddress, NgDictionary } from '../../src/media/ng-client.ts';
import { freeUdpPort } from '../support/sipp.ts';

const binary = ['rtpengine', '/usr/bin/rtpengine', '/usr/sbin/rtpengine'].find((candidate) => spawnSync(candidate, ['--version'], { stdio: 'ignore' }).error === undefined);
export const rtpengineMissing = binary === undefined ? 'rtpengine binary not installed (apt-get install rtpengine-daemon; scripts/install-system-packages.sh does)' : false;

/** Packets the relay received from one party of a call (its RTP stream), by ng tag. */
export type PacketsByTag = Record<string, number>;

export interface Rtpengine {
  ng: NgAddress;
  /** `host:port`, as SWITCHYARD_MEDIA_RELAY takes it. */
  relay: string;
  portMin: number;
  portMax: number;
  /** The media ports as a regular expression, to check SDP in SIPp scenarios. */
  portPattern: string;
  command(message: NgDictionary): Promise<NgDictionary>;
  /** Call-IDs of the calls it holds (ng `list`). */
  calls(): Promise<string[]>;
  /** Sessions it owns, from ng `statistics` (currentstatistics.sessionsown). */
  sessions(): Promise<number>;
  /** Packets the relay forwarded since it started, from ng `statistics` (totalstatistics.relayedpackets). */
  relayedPackets(): Promise<number>;
  /** RTP packets received from each tag's endpoint in one call (ng `query`). */
  rtpPackets(callId: string): Promise<PacketsByTag>;
  pid: number;
  log(): string;
  stop(): Promise<void>;
}

const asDict = (value: unknown): NgDictionary => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as NgDictionary) : {});
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Sums the RTP streams' packet counters of every tag in an ng `query` reply. */
export function rtpPacketsByTag(reply: NgDictionary): PacketsByTag {
  const result: PacketsByTag = {};
  for (const [tag, monologue] of Object.entries(asDict(reply.tags))) {
    let packets = 0;
    for (const media of asList(asDict(monologue).medias)) {
      for (const stream of asList(asDict(media).streams)) {
        const streamDict = asDict(stream);
        if (asList(streamDict.flags).includes('RTP')) packets += Number(asDict(streamDict.stats).packets ?? 0);
      }
    }
    result[tag] = packets;
  }
  return result;
}

/** The ports the relay sends each party's RTP to (every tag's RTP streams' endpoints), from an ng `query` reply. */
export function rtpEndpointPorts(reply: NgDictionary): number[] {
  const ports: number[] = [];
  for (const monologue of Object.values(asDict(reply.tags))) {
    for (const media of asList(asDict(monologue).medias)) {
      for (const stream of asList(asDict(media).streams)) {
        const streamDict = asDict(stream);
        if (asList(streamDict.flags).includes('RTP')) ports.push(Number(asDict(streamDict.endpoint).port));
      }
    }
  }
  return ports;
}

export interface RtpengineOptions {
  /** Media ports; by default a random block of 100 (about 25 calls), which `portPattern` matches. */
  ports?: { min: number; max: number };
  logLevel?: number;
}

export async function startRtpengine(options: RtpengineOptions = {}): Promise<Rtpengine> {
  if (binary === undefined) throw new Error('rtpengine not installed');
  const ngPort = await freeUdpPort();
  // A block of 100 ports, so SDP can be checked with one pattern.
  const block = 420 + Math.floor(Math.random() * 160);
  const portMin = options.ports?.min ?? block * 100;
  const portMax = options.ports?.max ?? portMin + 99;
  const args = [
    '--config-file=none', '--foreground', '--log-stderr', '--table=-1',
    '--interface=127.0.0.1', `--listen-ng=127.0.0.1:${ngPort}`,
    `--port-min=${portMin}`, `--port-max=${portMax}`, '--tos=184', '--delete-delay=0', `--log-level=${options.logLevel ?? 6}`,
  ];
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (data: Buffer) => (stderr = (stderr + data.toString()).slice(-200_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const client = new NgClient({ timeoutMs: 1000, retransmitMs: 200 });
  const ng = { host: '127.0.0.1', port: ngPort };
  const command = (message: NgDictionary) => client.request(ng, message);
  const stop = async () => {
    await client.close();
    if (child.exitCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`rtpengine exited at start (${child.exitCode}):\n${stderr.slice(-3000)}`);
    const pong = await command({ command: 'ping' }).catch(() => undefined);
    if (pong?.result === 'pong') break;
    if (attempt > 20) {
      await stop();
      throw new Error(`rtpengine did not answer ping:\n${stderr.slice(-3000)}`);
    }
    await sleep(100);
  }
  return {
    ng,
    relay: `127.0.0.1:${ngPort}`,
    portMin,
    portMax,
    portPattern: options.ports ? `[0-9]+` : `${block}[0-9][0-9]`,
    command,
    calls: async () => asList((await command({ command: 'list', limit: 1000 })).calls).map(String),
    sessions: async () => Number(asDict(asDict((await command({ command: 'statistics' })).statistics).currentstatistics).sessionsown),
    relayedPackets: async () => Number(asDict(asDict((await command({ command: 'statistics' })).statistics).totalstatistics).relayedpackets),
    rtpPackets: async (callId) => rtpPacketsByTag(await command({ command: 'query', 'call-id': callId })),
    pid: child.pid ?? 0,
    log: () => stderr,
    stop,
  };
}
