// A caller on UDP or TCP (caller-link.ts) for fuzzing a live worker through whole calls. Each call follows a seeded script:
// hang up after the answer, CANCEL at a random moment (racing the answer), require 100rel and
// PRACK (or not, or with a wrong RAck), send requests of its own in the answered call, skip its
// ACK, send BYE twice, or leave its INVITE without the Contact or From tag a dialog needs. With
// garbling odds above zero a share of what it sends is garbled (sip-garbler.ts); the INVITE
// itself never is, so every other call gets as far as the B leg.
import { int, pick, type Random } from '../sip/mutations.ts';
import { tcpLink, udpLink, type CallerLink } from './caller-link.ts';
import { parsePhoneMessage, type PhoneMessage } from './scripted-phone.ts';
import { garbled, type GarbleOdds } from './sip-garbler.ts';
import { cseqOf, methodOf, responseLines, sdp, statusOf, uriOf, type SipLines } from './sip-text.ts';

type Script = 'hang-up' | 'wait' | 'cancel' | 'prack' | 'no-prack' | 'wrong-rack' | 'mid-call' | 'no-ack' | 'bye-twice' | 'no-contact' | 'no-from-tag';

const SCRIPTS: readonly Script[] = ['hang-up', 'wait', 'cancel', 'prack', 'no-prack', 'wrong-rack', 'mid-call', 'no-ack', 'bye-twice', 'no-contact', 'no-from-tag'];

/** What the well-behaved caller does: ACK, and hang up or let the callee or the time limit end it. */
const POLITE: readonly Script[] = ['hang-up', 'wait'];

const MID_CALL = ['INVITE', 'UPDATE', 'INFO', 'MESSAGE', 'OPTIONS', 'REFER', 'NOTIFY', 'PRACK', 'SUBSCRIBE'];

interface Call {
  n: number;
  script: Script;
  /** The dialog once answered: our From, the worker's To (with its tag), the worker's Contact. */
  dialog?: { from: string; to: string; target: string };
  seq: number;
}

export class FuzzCaller {
  #link: CallerLink | undefined;
  readonly #random: Random;
  readonly #odds: GarbleOdds;
  readonly #scripts: readonly Script[];
  readonly #workerPort: number;
  readonly #calls = new Map<string, Call>();
  /** Calls answered with a 2xx (each once, however often its 2xx came). */
  answered = 0;

  private constructor(random: Random, workerPort: number, odds: GarbleOdds | undefined) {
    this.#random = random;
    this.#workerPort = workerPort;
    this.#odds = odds ?? { lines: 0, bytes: 0 };
    this.#scripts = odds ? SCRIPTS : POLITE;
  }

  /**
   * Without `odds` the caller is well-behaved; with them it runs every script and garbles by them.
   * Over UDP by default; over TCP it keeps one connection to the worker, as an SBC does.
   */
  static async start(random: Random, workerPort: number, odds?: GarbleOdds, transport: 'udp' | 'tcp' = 'udp'): Promise<FuzzCaller> {
    const caller = new FuzzCaller(random, workerPort, odds);
    const receive = (text: string) => caller.#receive(parsePhoneMessage(text));
    caller.#link = transport === 'tcp' ? await tcpLink(workerPort, receive) : await udpLink(workerPort, receive);
    return caller;
  }

  get #port(): number {
    return this.#link?.localPort ?? 0;
  }

  get #transport(): string {
    return this.#link?.transport ?? 'UDP';
  }

  /** Our Contact, naming TCP when we are on it: the worker's requests in the call then come over the connection. */
  get #contact(): string {
    return `Contact: <sip:caller@127.0.0.1:${this.#port}${this.#transport === 'TCP' ? ';transport=tcp' : ''}>`;
  }

  call(n: number, to: string): void {
    const call: Call = { n, script: pick(this.#random, this.#scripts), seq: 1 };
    this.#calls.set(`fuzz-call-${n}`, call);
    const reliable = call.script === 'prack' || call.script === 'no-prack' || call.script === 'wrong-rack';
    const lines = [
      `INVITE sip:${to}@127.0.0.1:${this.#workerPort} SIP/2.0`,
      `Via: SIP/2.0/${this.#transport} 127.0.0.1:${this.#port};branch=z9hG4bK-caller-${n};rport`,
      'Max-Forwards: 70', `From: <sip:+85512000111@127.0.0.1>${call.script === 'no-from-tag' ? '' : `;tag=caller-${n}`}`, `To: <sip:${to}@127.0.0.1>`,
      `Call-ID: fuzz-call-${n}`, 'CSeq: 1 INVITE', ...(call.script === 'no-contact' ? [] : [this.#contact]),
      ...(reliable ? ['Require: 100rel', 'Supported: timer'] : n % 4 === 0 ? ['Supported: 100rel, timer'] : []), 'Content-Type: application/sdp',
    ];
    this.#link?.send(garbled(lines, sdp(30_000, n), this.#random, { lines: 0, bytes: 0 }));
    if (call.script === 'cancel') {
      const cancel = [lines[0]?.replace('INVITE', 'CANCEL') ?? '', ...lines.slice(1, 6), 'CSeq: 1 CANCEL'];
      this.#later(int(this.#random, 600), cancel);
    }
  }

  close(): void {
    this.#link?.close();
  }

  #send(lines: SipLines, body = ''): void {
    this.#link?.send(garbled(lines, body, this.#random, this.#odds));
  }

  #later(ms: number, lines: SipLines, body = ''): void {
    setTimeout(() => this.#send(lines, body), ms).unref();
  }

  #receive(message: PhoneMessage): void {
    const status = statusOf(message);
    if (status === 0) return this.#answer(message);
    const call = this.#calls.get(message.header('Call-ID') ?? '');
    const { number, method } = cseqOf(message);
    if (!call || method !== 'INVITE') return;
    if (status > 100 && status < 200) return this.#provisional(call, message, number);
    if (status < 200) return;
    const ok = status < 300;
    const common = [`From: ${message.header('From') ?? ''}`, `To: ${message.header('To') ?? ''}`, `Call-ID: ${message.header('Call-ID') ?? ''}`];
    const target = (ok && uriOf(message.header('Contact'))) || `sip:worker@127.0.0.1:${this.#workerPort}`;
    // §17.1.1.3: the ACK for a non-2xx reuses the INVITE's branch; a 2xx's ACK is a new transaction.
    const branch = ok ? `z9hG4bK-ack-${int(this.#random, 1e9)}` : `z9hG4bK-caller-${call.n}`;
    if (call.script !== 'no-ack' || !ok) this.#send([`ACK ${target} SIP/2.0`, this.#via(branch), 'Max-Forwards: 70', ...common, `CSeq: ${number} ACK`]);
    if (!ok || call.dialog) return;
    this.answered++;
    call.dialog = { from: message.header('From') ?? '', to: message.header('To') ?? '', target };
    this.#afterAnswer(call);
  }

  /** A reliable provisional gets its PRACK (§7.2), unless the script says otherwise. */
  #provisional(call: Call, response: PhoneMessage, inviteSeq: number): void {
    const rseq = response.header('RSeq');
    if (rseq === undefined || call.script === 'no-prack') return;
    const rack = call.script === 'wrong-rack' ? `${Number(rseq) + 1} ${inviteSeq} INVITE` : `${rseq} ${inviteSeq} INVITE`;
    const seq = ++call.seq;
    this.#send([
      `PRACK ${uriOf(response.header('Contact')) ?? `sip:worker@127.0.0.1:${this.#workerPort}`} SIP/2.0`, this.#via(`z9hG4bK-prack-${int(this.#random, 1e9)}`), 'Max-Forwards: 70',
      `From: ${response.header('From') ?? ''}`, `To: ${response.header('To') ?? ''}`, `Call-ID: ${response.header('Call-ID') ?? ''}`, `CSeq: ${seq} PRACK`, `RAck: ${rack}`,
    ]);
  }

  #afterAnswer(call: Call): void {
    if (call.script === 'wait') return;
    if (call.script === 'mid-call') {
      for (let i = 1 + int(this.#random, 3); i > 0; i--) {
        const method = pick(this.#random, MID_CALL);
        this.#later(int(this.#random, 300), this.#inDialog(call, method), method === 'INVITE' || method === 'UPDATE' ? sdp(30_002, call.n) : '');
      }
    }
    if (this.#random() < 0.3) return;
    const bye = this.#inDialog(call, 'BYE');
    this.#later(300 + int(this.#random, 300), bye);
    if (call.script === 'bye-twice') this.#later(700, this.#inDialog(call, 'BYE'));
  }

  #inDialog(call: Call, method: string): SipLines {
    const dialog = call.dialog;
    const seq = ++call.seq;
    return [
      `${method} ${dialog?.target ?? ''} SIP/2.0`, this.#via(`z9hG4bK-${method.toLowerCase()}-${int(this.#random, 1e9)}`), 'Max-Forwards: 70',
      `From: ${dialog?.from ?? ''}`, `To: ${dialog?.to ?? ''}`, `Call-ID: fuzz-call-${call.n}`, `CSeq: ${seq} ${method}`, this.#contact,
      ...(method === 'INVITE' || method === 'UPDATE' ? ['Content-Type: application/sdp'] : []), ...(method === 'REFER' ? ['Refer-To: <sip:other@127.0.0.1:1>'] : []),
    ];
  }

  #via(branch: string): string {
    return `Via: SIP/2.0/${this.#transport} 127.0.0.1:${this.#port};branch=${branch};rport`;
  }

  /** The worker's requests to us (keepalive OPTIONS, BYE, a relayed re-INVITE or UPDATE): 200, with a description where one is due. */
  #answer(request: PhoneMessage): void {
    const method = methodOf(request);
    if (method === 'ACK') return;
    const body = method === 'INVITE' || method === 'UPDATE' ? sdp(30_002, 2) : '';
    this.#send(responseLines(request, 200, 'OK', 'caller', [this.#contact, ...(body ? ['Content-Type: application/sdp'] : [])]), body);
  }
}
