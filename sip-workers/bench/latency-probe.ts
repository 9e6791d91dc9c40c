// A few calls a second alongside SIPp's load, timed with a microsecond clock: SIPp's own response
// times tick in whole kernel jiffies (4 ms here), too coarse for a 10 ms target. Each probe call
// is INVITE → (100) → 200 → ACK → BYE → 200 through the same system as the load, from
// 127.0.0.1; a call without its 200 within the timeout is counted lost. INVITE and BYE are
// retransmitted every T1 as over UDP they must be: a BYE lost on an overloaded system would
// otherwise leave the call up there for good.
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';

export interface ProbeResult {
  /** ms from sending the INVITE to the 100 Trying (absent when the system sends none). */
  trying: number[];
  /** ms from sending the INVITE to its 200. */
  answer: number[];
  lost: number;
}

interface PendingCall {
  sentAt: number;
  trying?: number;
  answered: boolean;
  /** Retransmits the last request (INVITE until a response, BYE until its 200), as UDP needs. */
  retransmit?: NodeJS.Timeout;
}

const T1 = 500;

const sdp = 'v=0\r\no=probe 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';
const now = () => Number(process.hrtime.bigint()) / 1e6;

function header(text: string, name: string): string | undefined {
  const match = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(text);
  return match?.[1]?.trim();
}

export interface ProbeOptions {
  host: string;
  port: number;
  /** The Request-URI user. */
  service: string;
  callsPerSecond: number;
  timeoutMs?: number;
}

export interface RunningProbe {
  /** Stops placing calls, waits for those under way, and returns the timings. */
  stop(): Promise<ProbeResult>;
}

export async function startProbe(options: ProbeOptions): Promise<RunningProbe> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const local = `127.0.0.1:${socket.address().port}`;
  const target = `sip:${options.service}@${options.host}:${options.port}`;
  const calls = new Map<string, PendingCall>();
  const result: ProbeResult = { trying: [], answer: [], lost: 0 };
  const timeoutMs = options.timeoutMs ?? 8000;
  const send = (text: string) => socket.send(text, options.port, options.host);
  const sendReliably = (call: PendingCall, text: string) => {
    clearInterval(call.retransmit);
    send(text);
    call.retransmit = setInterval(() => send(text), T1);
  };
  const inDialog = (method: 'ACK' | 'BYE', callId: string, cseq: number, fromTag: string, to: string) => [
    `${method} ${target} SIP/2.0`,
    `Via: SIP/2.0/UDP ${local};branch=z9hG4bK${randomBytes(8).toString('hex')};rport`,
    `From: <sip:probe@${local}>;tag=${fromTag}`,
    `To: ${to}`,
    `Call-ID: ${callId}`,
    `CSeq: ${cseq} ${method}`,
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');

  const onInviteResponse = (call: PendingCall, callId: string, status: number, text: string, at: number) => {
    // Any response stops the INVITE's retransmission; once answered the timer is the BYE's.
    if (!call.answered) clearInterval(call.retransmit);
    if (status === 100 && call.trying === undefined) call.trying = at - call.sentAt;
    if (status < 200) return;
    const to = header(text, '(?:To|t)') ?? '';
    const fromTag = /tag=([^;>\s]+)/.exec(header(text, '(?:From|f)') ?? '')?.[1] ?? '';
    // ACK every 2xx, retransmissions included; time and hang up only the first.
    send(inDialog('ACK', callId, 1, fromTag, to));
    if (status !== 200 || call.answered) return;
    call.answered = true;
    result.answer.push(at - call.sentAt);
    if (call.trying !== undefined) result.trying.push(call.trying);
    sendReliably(call, inDialog('BYE', callId, 2, fromTag, to));
  };

  socket.on('message', (data) => {
    const at = now();
    const text = data.toString('latin1');
    const status = Number(/^SIP\/2\.0 (\d{3})/.exec(text)?.[1]);
    const callId = header(text, '(?:Call-ID|i)');
    const cseq = header(text, 'CSeq');
    const call = callId === undefined ? undefined : calls.get(callId);
    if (!call || !callId || !cseq || Number.isNaN(status)) return;
    if (cseq.endsWith('INVITE')) {
      onInviteResponse(call, callId, status, text, at);
    } else if (cseq.endsWith('BYE') && status >= 200) {
      clearInterval(call.retransmit);
      calls.delete(callId);
    }
  });

  const placeCall = () => {
    const callId = `probe-${randomBytes(8).toString('hex')}`;
    const tag = randomBytes(4).toString('hex');
    const invite = [
      `INVITE ${target} SIP/2.0`,
      `Via: SIP/2.0/UDP ${local};branch=z9hG4bK${randomBytes(8).toString('hex')};rport`,
      `From: <sip:probe@${local}>;tag=${tag}`,
      `To: <${target}>`,
      `Call-ID: ${callId}`,
      'CSeq: 1 INVITE',
      `Contact: <sip:probe@${local}>`,
      'Max-Forwards: 70',
      'Content-Type: application/sdp',
      `Content-Length: ${sdp.length}`,
      '',
      sdp,
    ].join('\r\n');
    const call: PendingCall = { sentAt: now(), answered: false };
    calls.set(callId, call);
    sendReliably(call, invite);
    setTimeout(() => {
      clearInterval(call.retransmit);
      if (calls.get(callId) === call && !call.answered) result.lost++;
      calls.delete(callId);
    }, timeoutMs).unref();
  };
  const timer = setInterval(placeCall, 1000 / options.callsPerSecond);

  return {
    stop: async () => {
      clearInterval(timer);
      const deadline = now() + timeoutMs;
      while ([...calls.values()].some((call) => !call.answered) && now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      // Calls whose BYE is still out are done as far as timing goes.
      await new Promise((resolve) => setTimeout(resolve, 200));
      result.lost += [...calls.values()].filter((call) => !call.answered).length;
      for (const call of calls.values()) clearInterval(call.retransmit);
      calls.clear();
      socket.close();
      return result;
    },
  };
}
