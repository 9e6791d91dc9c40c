// Content-Length framing for stream transports (RFC 3261 §18.3): cuts an arbitrary
// sequence of TCP chunks into whole messages. Also recognises RFC 5626 keep-alives
// (CRLFCRLF ping). A framing error is fatal: the byte stream can no longer be
// resynchronised, so the caller must close the connection.
import { PARSE_LIMITS } from './parser.ts';

export type FramerEvent =
  | { kind: 'message'; data: Buffer }
  | { kind: 'keepalive' }
  | { kind: 'error'; detail: string };

export interface StreamFramerOptions {
  /** Largest message (headers + body) accepted; also bounds the buffer. */
  maxMessageBytes?: number;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** Finds Content-Length (or compact "l") in a raw header section, honouring folding. */
function contentLengthOf(headerSection: string): number | string {
  const unfolded = headerSection.replace(/\r\n[ \t]+/g, ' ');
  const values = new Set<string>();
  for (const line of unfolded.split('\r\n').slice(1)) {
    const match = /^(content-length|l)[ \t]*:(.*)$/i.exec(line);
    if (match) values.add((match[2] ?? '').trim());
  }
  if (values.size === 0) return 'missing Content-Length on a stream transport';
  if (values.size > 1) return 'conflicting Content-Length values';
  const [value = ''] = values;
  if (!/^\d{1,10}$/.test(value)) return 'invalid Content-Length';
  return Number(value);
}

export class StreamFramer {
  readonly #maxMessageBytes: number;
  #buffer: Buffer = Buffer.alloc(0);
  #failed = false;

  constructor(options: StreamFramerOptions = {}) {
    this.#maxMessageBytes = options.maxMessageBytes ?? PARSE_LIMITS.maxMessageBytes;
  }

  /** Octets held waiting for the rest of a message. */
  get bufferedBytes(): number {
    return this.#buffer.length;
  }

  push(chunk: Buffer): FramerEvent[] {
    if (this.#failed) return [];
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const events: FramerEvent[] = [];
    for (;;) {
      const event = this.#next();
      if (!event) break;
      events.push(event);
      if (event.kind === 'error') {
        this.#failed = true;
        this.#buffer = Buffer.alloc(0);
        break;
      }
    }
    return events;
  }

  #next(): FramerEvent | undefined {
    const buf = this.#buffer;
    if (buf[0] === 13) {
      if (buf.length < 2) return undefined;
      if (buf[1] !== 10) return this.#fail('stray CR before a start line');
      // A lone CRLF (keep-alive pong, or §7.5 CRLF before a start line) is skipped;
      // two are a ping. Wait while it could still become a ping.
      if (buf.length === 2 || (buf[2] === 13 && buf.length < 4)) return undefined;
      if (buf[2] === 13 && buf[3] === 10) {
        this.#buffer = buf.subarray(4);
        return { kind: 'keepalive' };
      }
      this.#buffer = buf.subarray(2);
      return this.#next();
    }
    const headerEnd = buf.indexOf(HEADER_END);
    if (headerEnd < 0) {
      return buf.length > this.#maxMessageBytes ? this.#fail('header section exceeds the message size limit') : undefined;
    }
    const length = contentLengthOf(buf.toString('latin1', 0, headerEnd));
    if (typeof length === 'string') return this.#fail(length);
    const total = headerEnd + 4 + length;
    if (total > this.#maxMessageBytes) return this.#fail(`message of ${total} octets exceeds the limit`);
    if (buf.length < total) return undefined;
    // Copy so the emitted message does not pin the (possibly larger) receive buffer.
    const data = Buffer.from(buf.subarray(0, total));
    this.#buffer = buf.subarray(total);
    return { kind: 'message', data };
  }

  #fail(detail: string): FramerEvent {
    return { kind: 'error', detail };
  }
}
