// A phone scripted by a test, as softphones and mobile apps behind NAT behave: it registers with
// a private address in its Via and Contact, and takes its calls through the flow its REGISTER
// opened (RFC 5626), never on a port of its own. Written here, not with SIPp, because one SIPp
// process cannot both register and answer a new call. It frames and answers SIP by hand (the
// worker's own parser is what is under test) and computes its digest independently. tls-phone.ts
// and udp-phone.ts carry its bytes.
import { createHash, randomBytes } from 'node:crypto';
import { responseLines, wire } from './sip-text.ts';

export interface PhoneMessage {
  startLine: string;
  headers: Array<[string, string]>;
  body: string;
  header(name: string): string | undefined;
  /** Who sent it, for a phone on UDP: behind NAT, only the address its REGISTER went to gets through. */
  source?: { address: string; port: number };
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

export function parsePhoneMessage(text: string, source?: PhoneMessage['source']): PhoneMessage {
  const [head = '', body = ''] = text.split('\r\n\r\n', 2);
  const [startLine = '', ...lines] = head.split('\r\n');
  const headers = lines.map((line): [string, string] => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
  });
  return { startLine, headers, body, header: (name) => headers.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1], ...(source ? { source } : {}) };
}

export abstract class ScriptedPhone {
  readonly #inbox: PhoneMessage[] = [];
  #waiting: (() => void) | undefined;
  readonly callId: string;
  readonly tag = randomBytes(4).toString('hex');
  #cseq = 0;
  /** The Via a phone behind NAT writes: its transport and private address, which the worker cannot reach. */
  readonly #viaSentBy: string;

  protected constructor(viaSentBy: string, kind: string) {
    this.#viaSentBy = viaSentBy;
    this.callId = `${randomBytes(6).toString('hex')}@${kind}-phone`;
  }

  abstract send(text: string): void;
  abstract close(): void;

  /** Sends a response to `request`: on a connection, back on it. */
  protected sendResponse(_request: PhoneMessage, text: string): void {
    this.send(text);
  }

  protected deliver(message: PhoneMessage): void {
    this.#inbox.push(message);
    this.#waiting?.();
  }

  /** The next message received, or an error after `ms`. */
  async next(ms = 5000): Promise<PhoneMessage> {
    const deadline = performance.now() + ms;
    while (this.#inbox.length === 0) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error('the phone received nothing in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const message = this.#inbox.shift();
    if (!message) throw new Error('unreachable');
    return message;
  }

  #via(): string {
    return `Via: SIP/2.0/${this.#viaSentBy};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`;
  }

  /** REGISTER, answer the 401 with a digest, and return the final response. */
  async register(options: { domain: string; user: string; password: string; contact: string; expires: number; extra?: string[] }): Promise<PhoneMessage> {
    const request = (cseq: number, authorization?: string) => [
      `REGISTER sip:${options.domain} SIP/2.0`,
      this.#via(),
      'Max-Forwards: 70',
      `From: <sip:${options.user}@${options.domain}>;tag=${this.tag}`,
      `To: <sip:${options.user}@${options.domain}>`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${cseq} REGISTER`,
      `Contact: ${options.contact}`,
      `Expires: ${options.expires}`,
      ...(authorization ? [`Authorization: ${authorization}`] : []),
      ...(options.extra ?? []),
      'User-Agent: scripted phone',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    // §10.2: one Call-ID for all of a phone's REGISTERs, the CSeq going up by one each time.
    this.send(request(++this.#cseq));
    const challenge = await this.next();
    if (!challenge.startLine.startsWith('SIP/2.0 401')) return challenge;
    const params = new Map([...(challenge.header('WWW-Authenticate') ?? '').matchAll(/(\w+)="?([^",]*)"?/g)].map((match) => [match[1] ?? '', match[2] ?? '']));
    const realm = params.get('realm') ?? '';
    const nonce = params.get('nonce') ?? '';
    const uri = `sip:${options.domain}`;
    const cnonce = randomBytes(4).toString('hex');
    const ha1 = md5(`${options.user}:${realm}:${options.password}`);
    const ha2 = md5(`REGISTER:${uri}`);
    const response = md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${ha2}`);
    const opaque = params.get('opaque');
    this.send(request(++this.#cseq, `Digest username="${options.user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="${cnonce}"${opaque ? `, opaque="${opaque}"` : ''}`));
    return this.next();
  }

  /** A response to `request` ("200 OK"), echoing its Via, From, To (tagged), Call-ID, CSeq and Record-Route. */
  answer(request: PhoneMessage, status: string, extra: string[] = [], body = ''): void {
    const [code = '', ...reason] = status.split(' ');
    this.sendResponse(request, wire(responseLines(request, Number(code), reason.join(' '), this.tag, extra), body).toString('latin1'));
  }

  /** A BYE in the dialog `invite` made once answered: to its Contact, through its Record-Route (§12.1.1, §12.2.1.1). */
  bye(invite: PhoneMessage): void {
    const contact = /<([^>]+)>/.exec(invite.header('Contact') ?? invite.header('m') ?? '')?.[1] ?? '';
    const routes = invite.headers.filter(([name]) => /^record-route$/i.test(name)).map(([, value]) => `Route: ${value}`);
    const from = invite.header('From') ?? invite.header('f') ?? '';
    const to = invite.header('To') ?? invite.header('t') ?? '';
    this.send([
      `BYE ${contact} SIP/2.0`,
      this.#via(),
      ...routes,
      'Max-Forwards: 70',
      `From: ${to.includes(';tag=') ? to : `${to};tag=${this.tag}`}`,
      `To: ${from}`,
      `Call-ID: ${invite.header('Call-ID') ?? invite.header('i') ?? ''}`,
      'CSeq: 1 BYE',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'));
  }
}
