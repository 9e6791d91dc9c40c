// A phone that registers over TLS and takes its calls on that same connection, as softphones and
// mobile apps behind NAT do (RFC 5626's flow): it never listens, so a request reaches it only
// through the connection it opened. Written here, not with SIPp, because one SIPp process cannot
// both register and answer a new call, and SIPp here has no TLS. It frames and answers SIP by hand
// (the worker's own parser is what is under test) and computes its digest independently.
import { createHash, randomBytes } from 'node:crypto';
import { connect, type TLSSocket } from 'node:tls';

export interface PhoneMessage {
  startLine: string;
  headers: Array<[string, string]>;
  body: string;
  header(name: string): string | undefined;
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

function parseMessage(text: string): PhoneMessage {
  const [head = '', body = ''] = text.split('\r\n\r\n', 2);
  const [startLine = '', ...lines] = head.split('\r\n');
  const headers = lines.map((line): [string, string] => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
  });
  return { startLine, headers, body, header: (name) => headers.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1] };
}

export class TlsPhone {
  readonly #socket: TLSSocket;
  readonly #inbox: PhoneMessage[] = [];
  #waiting: (() => void) | undefined;
  #buffer = '';
  readonly callId = `${randomBytes(6).toString('hex')}@tls-phone`;
  readonly tag = randomBytes(4).toString('hex');

  private constructor(socket: TLSSocket) {
    this.#socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      for (;;) {
        const end = this.#buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/\r\n(?:content-length|l)\s*:\s*(\d+)/i.exec(this.#buffer.slice(0, end + 2))?.[1] ?? 0);
        if (this.#buffer.length < end + 4 + length) return;
        this.#inbox.push(parseMessage(this.#buffer.slice(0, end + 4 + length)));
        this.#buffer = this.#buffer.slice(end + 4 + length);
        this.#waiting?.();
      }
    });
  }

  static connect(port: number, ca: string): Promise<TlsPhone> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, ca }, () => resolve(new TlsPhone(socket)));
      socket.once('error', reject);
    });
  }

  /** The local port of the connection: the flow the worker must use. */
  get localPort(): number {
    return this.#socket.localPort ?? 0;
  }

  send(text: string): void {
    this.#socket.write(text);
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

  /** REGISTER, answer the 401 with a digest, and return the final response. */
  async register(options: { domain: string; user: string; password: string; contact: string; expires: number }): Promise<PhoneMessage> {
    const request = (cseq: number, authorization?: string) => [
      `REGISTER sip:${options.domain} SIP/2.0`,
      // The sent-by a phone behind NAT claims: its private address, which the worker cannot reach.
      `Via: SIP/2.0/TLS 127.0.0.99:5061;branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
      'Max-Forwards: 70',
      `From: <sip:${options.user}@${options.domain}>;tag=${this.tag}`,
      `To: <sip:${options.user}@${options.domain}>`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${cseq} REGISTER`,
      `Contact: ${options.contact}`,
      `Expires: ${options.expires}`,
      ...(authorization ? [`Authorization: ${authorization}`] : []),
      'User-Agent: TLS phone',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    this.send(request(1));
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
    this.send(request(2, `Digest username="${options.user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="${cnonce}"${opaque ? `, opaque="${opaque}"` : ''}`));
    return this.next();
  }

  /** A response to `request`, echoing its Via, From, To (tagged), Call-ID and CSeq. */
  answer(request: PhoneMessage, status: string, extra: string[] = [], body = ''): void {
    // §12.1.1: a UAS copies the Record-Route of a dialog-creating request into its responses.
    const echoed = request.headers.filter(([name]) => /^(via|v|from|f|call-id|i|cseq|record-route)$/i.test(name)).map(([name, value]) => `${name}: ${value}`);
    const to = request.header('To') ?? request.header('t') ?? '';
    this.send([
      `SIP/2.0 ${status}`,
      ...echoed,
      `To: ${to.includes(';tag=') ? to : `${to};tag=${this.tag}`}`,
      ...extra,
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n'));
  }

  /** A BYE in the dialog `invite` made once answered: to its Contact, through its Record-Route (§12.1.1, §12.2.1.1). */
  bye(invite: PhoneMessage): void {
    const contact = /<([^>]+)>/.exec(invite.header('Contact') ?? invite.header('m') ?? '')?.[1] ?? '';
    const routes = invite.headers.filter(([name]) => /^record-route$/i.test(name)).map(([, value]) => `Route: ${value}`);
    const from = invite.header('From') ?? invite.header('f') ?? '';
    const to = invite.header('To') ?? invite.header('t') ?? '';
    this.send([
      `BYE ${contact} SIP/2.0`,
      `Via: SIP/2.0/TLS 127.0.0.99:5061;branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
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

  close(): void {
    this.#socket.destroy();
  }
}
