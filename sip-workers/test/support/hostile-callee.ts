// A callee on UDP that answers the worker's B legs with scripted, seeded mischief: forks, early
// media, reliable provisionals with bad RSeqs, 2xx without Contact, finals after finals, silence,
// requests of its own inside the dialog, and a share of all of it garbled (sip-garbler.ts). What a
// customer's broken or hostile SIP endpoint behind <Dial><Sip> could send.
import { createSocket, type Socket } from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { int, pick, type Random } from '../sip/mutations.ts';
import { parsePhoneMessage, type PhoneMessage } from './scripted-phone.ts';
import { garbled, type GarbleOdds } from './sip-garbler.ts';
import { cseqOf, methodOf, responseLines, sdp, statusOf, uriOf, withTag, type SipLines } from './sip-text.ts';

/** One message of a script: a response to the INVITE, or (after a 2xx) a request inside the dialog. */
type Step =
  | { kind: 'response'; status: number; fork?: number; sdp?: boolean; rseq?: number; extra?: SipLines; noContact?: boolean }
  | { kind: 'request'; method: string; sdp?: boolean; extra?: SipLines };

const r = (status: number, options: Omit<Extract<Step, { kind: 'response' }>, 'kind' | 'status'> = {}): Step => ({ kind: 'response', status, ...options });
const q = (method: string, options: Omit<Extract<Step, { kind: 'request' }>, 'kind' | 'method'> = {}): Step => ({ kind: 'request', method, ...options });

const SCRIPTS: readonly (readonly Step[])[] = [
  [r(100), r(180), r(200, { sdp: true })],
  [r(183, { sdp: true }), r(200, { sdp: true })],
  [r(180, { rseq: 1 }), r(183, { rseq: 2, sdp: true }), r(200, { sdp: true })],
  [r(183, { rseq: 7, sdp: true }), r(183, { rseq: 7, sdp: true }), r(183, { rseq: 5 }), r(200, { sdp: true })],
  [r(183, { extra: ['Require: 100rel'] }), r(200, { sdp: true })],
  [r(486)],
  [r(503, { extra: ['Retry-After: 30'] })],
  [r(180, { fork: 1 }), r(180, { fork: 2 }), r(200, { fork: 1, sdp: true }), r(200, { fork: 2, sdp: true })],
  [r(200, { sdp: true, noContact: true })],
  [r(200)],
  [],
  [r(100)],
  [r(302, { extra: ['Contact: <sip:elsewhere@127.0.0.1:1>'] })],
  [r(180), r(200, { sdp: true }), q('BYE')],
  [r(200, { sdp: true }), q('INVITE', { sdp: true })],
  [r(200, { sdp: true }), q('UPDATE', { sdp: true }), q('INFO')],
  [r(200, { sdp: true }), q('REFER', { extra: ['Refer-To: <sip:other@127.0.0.1:1>'] }), q('NOTIFY', { extra: ['Event: refer', 'Subscription-State: active'] }), q('MESSAGE')],
  [r(200, { sdp: true }), r(200, { sdp: true }), r(180)],
  [r(487)],
  [r(200, { sdp: true }), r(486)],
  [r(401, { extra: ['WWW-Authenticate: Digest realm="callee.test", nonce="abc", algorithm=MD5, qop="auth"'] })],
  [r(407, { extra: ['Proxy-Authenticate: Digest realm="callee.test", nonce="abc"'] })],
  [r(422, { extra: ['Min-SE: 1800'] })],
  [r(181), r(182), r(199), r(200, { sdp: true }), q('PRACK', { extra: ['RAck: 1 1 INVITE'] })],
  [r(200, { sdp: true, extra: ['Record-Route: <sip:127.0.0.1:1;lr>'] }), q('BYE')],
];

/** How the callee answers the worker's requests inside a dialog (PRACK, BYE, OPTIONS, …); 0: not at all, 100: 100 Trying and nothing more. */
const ANSWERS = [200, 200, 200, 200, 200, 481, 500, 408, 100, 0];

interface Leg {
  invite: PhoneMessage;
  tags: string[];
  seq: number;
}

export class HostileCallee {
  readonly #socket: Socket;
  readonly #random: Random;
  readonly #odds: GarbleOdds;
  readonly #legs = new Map<string, Leg>();
  #sent = 0;
  #invites = 0;
  #closed = false;

  private constructor(socket: Socket, random: Random, odds: GarbleOdds) {
    this.#socket = socket;
    this.#random = random;
    this.#odds = odds;
    socket.on('message', (data, remote) => this.#receive(parsePhoneMessage(data.toString('latin1')), remote.port, remote.address));
  }

  static async start(random: Random, odds: GarbleOdds): Promise<HostileCallee> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new HostileCallee(socket, random, odds);
  }

  get port(): number {
    return this.#socket.address().port;
  }

  /** B-leg INVITEs seen (retransmissions not counted) and messages sent back. */
  get counts(): { invites: number; sent: number } {
    return { invites: this.#invites, sent: this.#sent };
  }

  close(): void {
    this.#closed = true;
    this.#socket.close();
  }

  #send(lines: SipLines, body: string, port: number, address: string): void {
    if (this.#closed) return;
    this.#sent++;
    this.#socket.send(garbled(lines, body, this.#random, this.#odds), port, address);
  }

  #receive(message: PhoneMessage, port: number, address: string): void {
    const method = methodOf(message);
    if (message.startLine.startsWith('SIP/2.0')) return this.#answered(message, port, address);
    const callId = message.header('Call-ID') ?? '';
    const leg = this.#legs.get(callId);
    if (method === 'INVITE' && !/;\s*tag=/i.test(message.header('To') ?? '')) {
      if (leg) return; // a retransmission: the script already runs
      const fresh: Leg = { invite: message, tags: [`f${int(this.#random, 1e9)}`, `g${int(this.#random, 1e9)}`], seq: 100 };
      this.#legs.set(callId, fresh);
      this.#invites++;
      void this.#play(fresh, pick(this.#random, SCRIPTS), port, address);
      return;
    }
    if (method === 'ACK') return;
    const tag = leg?.tags[0] ?? 'nobody';
    if (method === 'CANCEL' && leg) {
      this.#send(responseLines(message, 200, 'OK', tag), '', port, address);
      this.#send(responseLines(leg.invite, 487, 'Request Terminated', tag), '', port, address);
      return;
    }
    const status = pick(this.#random, ANSWERS);
    if (status === 0) return;
    const body = method === 'INVITE' || method === 'UPDATE' ? sdp(40_000, 2) : '';
    this.#send(responseLines(message, status, 'Whatever', tag, [`Contact: <sip:callee@127.0.0.1:${this.port}>`, ...(body ? ['Content-Type: application/sdp'] : [])]), body, port, address);
  }

  /** A response to one of our own requests: a 2xx to our re-INVITE gets its ACK, usually. */
  #answered(response: PhoneMessage, port: number, address: string): void {
    const { number, method } = cseqOf(response);
    if (method !== 'INVITE' || statusOf(response) < 200 || this.#random() < 0.3) return;
    const lines = [
      `ACK ${uriOf(response.header('Contact')) ?? `sip:worker@${address}:${port}`} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=z9hG4bK-ack-${int(this.#random, 1e9)};rport`,
      'Max-Forwards: 70', `From: ${response.header('From') ?? ''}`, `To: ${response.header('To') ?? ''}`, `Call-ID: ${response.header('Call-ID') ?? ''}`, `CSeq: ${number} ACK`,
    ];
    this.#send(lines, '', port, address);
  }

  async #play(leg: Leg, script: readonly Step[], port: number, address: string): Promise<void> {
    let answered = false;
    for (const step of script) {
      await sleep(int(this.#random, 40));
      if (step.kind === 'response') {
        const tag = leg.tags[(step.fork ?? 1) - 1] ?? 'f';
        const extra = [
          ...(step.noContact ? [] : [`Contact: <sip:callee@127.0.0.1:${this.port}>`]),
          ...(step.rseq === undefined ? [] : ['Require: 100rel', `RSeq: ${step.rseq}`]),
          ...(step.sdp ? ['Content-Type: application/sdp'] : []),
          ...(step.extra ?? []),
        ];
        this.#send(responseLines(leg.invite, step.status, 'Scripted', tag, extra), step.sdp ? sdp(40_000, step.status) : '', port, address);
        if (step.status >= 200 && step.status < 300) answered = true;
      } else if (answered) {
        await sleep(50 + int(this.#random, 250));
        this.#request(leg, step, port, address);
      }
    }
  }

  /** A request of the callee's own inside the dialog its 2xx made, to the worker's Contact. */
  #request(leg: Leg, step: Extract<Step, { kind: 'request' }>, port: number, address: string): void {
    const { invite } = leg;
    const seq = ++leg.seq;
    const lines = [
      `${step.method} ${uriOf(invite.header('Contact')) ?? `sip:worker@${address}:${port}`} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=z9hG4bK-callee-${int(this.#random, 1e9)};rport`,
      'Max-Forwards: 70',
      `From: ${withTag(invite.header('To') ?? '', leg.tags[0] ?? 'f')}`,
      `To: ${invite.header('From') ?? ''}`,
      `Call-ID: ${invite.header('Call-ID') ?? ''}`,
      `CSeq: ${seq} ${step.method}`,
      `Contact: <sip:callee@127.0.0.1:${this.port}>`,
      ...(step.sdp ? ['Content-Type: application/sdp'] : []),
      ...(step.extra ?? []),
    ];
    this.#send(lines, step.sdp ? sdp(40_002, seq) : '', port, address);
  }
}
