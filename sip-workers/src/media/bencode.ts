// Bencoding, the serialisation of rtpengine's ng control protocol. Strings are carried as latin1
// so every byte of an SDP body survives the round trip whatever its charset; lengths are bytes.

export type BencodeValue = string | number | BencodeValue[] | { [key: string]: BencodeValue };

export class BencodeError extends Error {}

function encodeInto(value: BencodeValue, parts: Buffer[]): void {
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'latin1');
    parts.push(Buffer.from(`${bytes.length}:`, 'latin1'), bytes);
  } else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new BencodeError(`bencode carries integers only, not ${value}`);
    parts.push(Buffer.from(`i${value}e`, 'latin1'));
  } else if (Array.isArray(value)) {
    parts.push(Buffer.from('l'));
    for (const item of value) encodeInto(item, parts);
    parts.push(Buffer.from('e'));
  } else {
    parts.push(Buffer.from('d'));
    // The format wants keys in byte order; rtpengine does not care, but other decoders do.
    for (const key of Object.keys(value).sort()) {
      const item = value[key];
      if (item === undefined) continue;
      encodeInto(key, parts);
      encodeInto(item, parts);
    }
    parts.push(Buffer.from('e'));
  }
}

export function bencode(value: BencodeValue): Buffer {
  const parts: Buffer[] = [];
  encodeInto(value, parts);
  return Buffer.concat(parts);
}

const maxDepth = 64;
const digit = (byte: number | undefined) => byte !== undefined && byte >= 0x30 && byte <= 0x39;

class Reader {
  readonly #bytes: Buffer;
  position: number;

  constructor(bytes: Buffer, position: number) {
    this.#bytes = bytes;
    this.position = position;
  }

  get done(): boolean {
    return this.position >= this.#bytes.length;
  }

  #fail(what: string): never {
    throw new BencodeError(`bencode: ${what} at byte ${this.position}`);
  }

  value(depth: number): BencodeValue {
    if (depth > maxDepth) this.#fail('nesting too deep');
    const byte = this.#bytes[this.position];
    if (byte === 0x69 /* i */) return this.#integer();
    if (byte === 0x6c /* l */) return this.#list(depth);
    if (byte === 0x64 /* d */) return this.#dictionary(depth);
    if (digit(byte)) return this.#string();
    return this.#fail(byte === undefined ? 'unexpected end' : `unexpected ${JSON.stringify(String.fromCharCode(byte))}`);
  }

  #until(terminator: number): string {
    const end = this.#bytes.indexOf(terminator, this.position);
    if (end < 0) this.#fail('unterminated value');
    const text = this.#bytes.toString('latin1', this.position, end);
    this.position = end + 1;
    return text;
  }

  #integer(): number {
    this.position += 1;
    const text = this.#until(0x65 /* e */);
    if (!/^(0|-?[1-9][0-9]*)$/.test(text)) this.#fail(`bad integer ${JSON.stringify(text)}`);
    const value = Number(text);
    if (!Number.isSafeInteger(value)) this.#fail(`integer out of range ${text}`);
    return value;
  }

  #string(): string {
    const lengthText = this.#until(0x3a /* : */);
    if (!/^(0|[1-9][0-9]*)$/.test(lengthText)) this.#fail(`bad string length ${JSON.stringify(lengthText)}`);
    const length = Number(lengthText);
    if (this.position + length > this.#bytes.length) this.#fail('string runs past the end');
    const text = this.#bytes.toString('latin1', this.position, this.position + length);
    this.position += length;
    return text;
  }

  #list(depth: number): BencodeValue[] {
    this.position += 1;
    const items: BencodeValue[] = [];
    while (this.#bytes[this.position] !== 0x65) {
      if (this.done) this.#fail('unterminated list');
      items.push(this.value(depth + 1));
    }
    this.position += 1;
    return items;
  }

  #dictionary(depth: number): { [key: string]: BencodeValue } {
    this.position += 1;
    const entries: { [key: string]: BencodeValue } = Object.create(null) as { [key: string]: BencodeValue };
    while (this.#bytes[this.position] !== 0x65) {
      if (this.done) this.#fail('unterminated dictionary');
      if (!digit(this.#bytes[this.position])) this.#fail('dictionary key is not a string');
      const key = this.#string();
      entries[key] = this.value(depth + 1);
    }
    this.position += 1;
    return entries;
  }
}

/** Decodes exactly one value starting at `offset`; trailing bytes are an error. */
export function bdecode(bytes: Buffer, offset = 0): BencodeValue {
  const reader = new Reader(bytes, offset);
  const value = reader.value(0);
  if (!reader.done) throw new BencodeError(`bencode: ${bytes.length - reader.position} trailing bytes`);
  return value;
}
