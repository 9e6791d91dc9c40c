// How many concurrent RTP calls one rtpengine (userspace, --table=-1, as the operator runs it)
// relays on loopback with no packet lost, and the relay's CPU per call. Calls are anchored with
// the worker's own media code (MediaAnchoring: the same offer, answer and delete it sends); each
// call has two endpoints in this process sending 20 ms PCMU packets (50 a second each way) to the
// relay ports their descriptions name, and counting what the relay forwards to them.
//
//     node sip-workers/bench/media-relay.ts
//
// BENCH_MEDIA_CALLS (default 50,100,200,400,600,800,1000) concurrent calls per step,
// BENCH_MEDIA_SECONDS (default 10) measured per step. It stops rising at the first step with loss,
// or where this process could not send on schedule (then the figure is the generator's limit, and
// it says so). The SIP side is not in this bench: bench-sip measures signalling.
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { CallMedia } from '../src/media/call-media.ts';
import { MediaAnchoring } from '../src/media/media-anchoring.ts';
import { rtpengineMissing, startRtpengine } from '../test/media/rtpengine-process.ts';
import type { Rtpengine } from '../test/media/rtpengine-process.ts';
import { machineBusySeconds, ownAndReapedCpuSeconds, processUsage, udpReceiveBufferErrors } from './process-usage.ts';

const steps = (process.env.BENCH_MEDIA_CALLS ?? '50,100,200,400,600,800,1000').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
const measureSeconds = Number(process.env.BENCH_MEDIA_SECONDS ?? 10);
const packetMs = 20;
/** Below Linux's ephemeral range (32768+), so the relay's ports do not meet other sockets'. */
const relayPorts = { min: 20000, max: 31999 };

interface Endpoint {
  socket: Socket;
  port: number;
  sent: number;
  received: number;
}

interface BenchCall {
  media: CallMedia;
  caller: Endpoint;
  callee: Endpoint;
}

async function endpoint(): Promise<Endpoint> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const point: Endpoint = { socket, port: socket.address().port, sent: 0, received: 0 };
  socket.on('message', () => void point.received++);
  return point;
}

const sdp = (port: number) => Buffer.from(`v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\n`);
const audioPort = (description: Buffer) => Number(/m=audio (\d+) /.exec(description.toString('latin1'))?.[1]);

async function setUpCall(anchoring: MediaAnchoring, index: number, step: number): Promise<BenchCall> {
  const [caller, callee] = await Promise.all([endpoint(), endpoint()]);
  const media = anchoring.forCall({ callId: `bench-${step}-${index}`, callerTag: `caller-${index}`, calleeTag: `callee-${index}` }, pino({ level: 'silent' }));
  const offered = await media.offer(sdp(caller.port), 'caller');
  if (!offered.ok) throw new Error(`offer: ${offered.reason}`);
  const answered = await media.answer(sdp(callee.port), 'callee');
  if (!answered.ok) throw new Error(`answer: ${answered.reason}`);
  // Each endpoint sends to the relay port named in the description it got.
  caller.socket.connect(audioPort(answered.sdp), '127.0.0.1');
  callee.socket.connect(audioPort(offered.sdp), '127.0.0.1');
  await Promise.all([caller, callee].map((point) => new Promise((resolve) => point.socket.once('connect', resolve))));
  return { media, caller, callee };
}

function rtp(sequence: number, ssrc: number): Buffer {
  const packet = Buffer.alloc(12 + 160, 0xff);
  packet[0] = 0x80;
  packet[1] = 0;
  packet.writeUInt16BE(sequence & 0xffff, 2);
  packet.writeUInt32BE((sequence * 160) >>> 0, 4);
  packet.writeUInt32BE(ssrc >>> 0, 8);
  return packet;
}

/** Sends one packet from every endpoint each 20 ms, catching up if a tick came late; returns a stop function. */
function startSending(calls: BenchCall[]): { stop: () => void; ticksDue: () => number } {
  const endpoints = calls.flatMap((call) => [call.caller, call.callee]);
  const started = performance.now();
  let ticks = 0;
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    const due = Math.floor((performance.now() - started) / packetMs) + 1;
    for (; ticks < due; ticks++) {
      endpoints.forEach((point, index) => {
        point.socket.send(rtp(ticks, index));
        point.sent++;
      });
    }
    setTimeout(tick, Math.max(1, started + ticks * packetMs - performance.now()));
  };
  tick();
  return { stop: () => void (stopped = true), ticksDue: () => Math.floor((performance.now() - started) / packetMs) + 1 };
}

interface StepResult {
  calls: number;
  sent: number;
  lost: number;
  behindSchedule: boolean;
  relayCoreShare: number;
  benchCoreShare: number;
  othersCoreShare: number;
  rcvbufErrors: number;
  leftOnRelay: number;
}

async function runStep(relay: Rtpengine, anchoring: MediaAnchoring, count: number): Promise<StepResult> {
  const calls: BenchCall[] = [];
  for (let i = 0; i < count; i += 50) calls.push(...(await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, j) => setUpCall(anchoring, i + j, count)))));
  const sending = startSending(calls);
  await sleep(1000); // latching and the first packets settle before the window
  const endpoints = calls.flatMap((call) => [call.caller, call.callee]);
  const dueAtStart = sending.ticksDue();
  for (const point of endpoints) {
    point.sent = 0;
    point.received = 0;
  }
  const before = { relay: processUsage(relay.pid).cpuSeconds, bench: ownAndReapedCpuSeconds(), busy: machineBusySeconds(), drops: udpReceiveBufferErrors(), at: performance.now() };
  await sleep(measureSeconds * 1000);
  sending.stop();
  const dueTicks = sending.ticksDue() - dueAtStart;
  const elapsed = (performance.now() - before.at) / 1000;
  const relayCpu = processUsage(relay.pid).cpuSeconds - before.relay;
  const benchCpu = ownAndReapedCpuSeconds() - before.bench;
  const busy = machineBusySeconds() - before.busy;
  await sleep(300); // what is in flight arrives
  const sent = endpoints.reduce((sum, point) => sum + point.sent, 0);
  const received = endpoints.reduce((sum, point) => sum + point.received, 0);
  const result: StepResult = {
    calls: count,
    sent,
    lost: Math.max(0, sent - received),
    behindSchedule: sent < dueTicks * endpoints.length * 0.97,
    relayCoreShare: relayCpu / elapsed,
    benchCoreShare: benchCpu / elapsed,
    othersCoreShare: Math.max(0, busy - relayCpu - benchCpu) / elapsed,
    rcvbufErrors: udpReceiveBufferErrors() - before.drops,
    leftOnRelay: 0,
  };
  await Promise.all(calls.map((call) => call.media.release()));
  await Promise.all(endpoints.map((point) => new Promise<void>((resolve) => point.socket.close(() => resolve()))));
  result.leftOnRelay = await relay.sessions();
  return result;
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

async function main(): Promise<void> {
  if (rtpengineMissing) {
    console.log(`bench media: skipped, ${rtpengineMissing}`);
    return;
  }
  console.log(`bench media: one rtpengine (userspace, loopback), PCMU 20 ms both ways per call, ${measureSeconds} s per step, ${cpus().length} cores`);
  const relay = await startRtpengine({ ports: relayPorts, logLevel: 4 });
  const anchoring = new MediaAnchoring({ relay: { host: relay.ng.host, port: relay.ng.port }, symmetricLatching: true, timeoutMs: 3000 }, new Registry(), pino({ level: 'warn' }));
  let best: StepResult | undefined;
  let limit = 'every step passed';
  try {
    for (const count of steps) {
      const step = await runStep(relay, anchoring, count);
      console.log(
        `  ${String(count).padStart(5)} calls: ${step.sent} packets sent, ${step.lost} lost (${percent(step.lost / Math.max(1, step.sent))}), ` +
          `rtpengine ${percent(step.relayCoreShare)} of a core, bench ${percent(step.benchCoreShare)}, others ${percent(step.othersCoreShare)}, ` +
          `rcvbuf drops ${step.rcvbufErrors}, sessions left ${step.leftOnRelay}${step.behindSchedule ? ', GENERATOR BEHIND SCHEDULE' : ''}`,
      );
      if (step.leftOnRelay !== 0) throw new Error(`${step.leftOnRelay} sessions left on the relay after deleting every call`);
      if (step.behindSchedule) {
        limit = `stopped at ${count} calls: this process could not send on schedule (the generator's limit, not the relay's)`;
        break;
      }
      if (step.lost > 0) {
        limit = `stopped at ${count} calls: packets lost`;
        break;
      }
      best = step;
    }
  } finally {
    await anchoring.close();
    await relay.stop();
  }
  if (!best) {
    console.log(`bench media: no step without loss (${limit})`);
    process.exitCode = 1;
    return;
  }
  if (best.othersCoreShare > 0.5) console.log(`bench media: note: other processes used ${percent(best.othersCoreShare)} of a core meanwhile; on a shared machine the limit found is pessimistic`);
  const perCall = best.relayCoreShare / best.calls;
  console.log(`bench media: ${best.calls} concurrent RTP calls relayed with no loss (${limit}); rtpengine CPU per call ${(perCall * 100).toFixed(3)}% of a core (${(perCall * 1000).toFixed(2)} ms CPU per call-second)`);
}

await main();
