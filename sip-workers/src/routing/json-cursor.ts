// A strict, allocation-free walk over JSON text. The shard compiler reads a million numbers with
// it instead of JSON.parse, which at that size spends most of its time building objects and
// internalising keys we would only throw away. Anything off the common path (escapes, values of
// unknown fields) is handed to JSON.parse, so what this accepts is exactly what JSON accepts.
import { RoutingFormatError } from './routing-format-error.ts';

const quote = 0x22;
const backslash = 0x5c;
const space = 0x20;
const tab = 0x09;
const lineFeed = 0x0a;
const carriageReturn = 0x0d;

/** Characters JSON forbids unescaped in strings; \t, \n and \r may still appear as whitespace between tokens. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const controlCharacter = /[\x00-\x1f]/;

export class JsonCursor {
  readonly text: string;
  pos: number;
  /**
   * No backslash anywhere (what JSON.stringify writes for text without quotes or control
   * characters): every string then ends at the next quote, found natively by indexOf. Such a
   * string is not checked for control characters as it is read (a whole-text check cost a tenth
   * of a million-number rebuild); its reader checks the ones whose content it keeps or does not
   * recognise: stringValue() and value() decode through JSON.parse, and checkContent() is there
   * for the rest. A string only ever compared with a known one (stringIs) needs nothing.
   */
  readonly plain: boolean;
  /** The last string read: its content is text[stringStart, stringEnd), still escaped if `escaped`. */
  stringStart = 0;
  stringEnd = 0;
  escaped = false;

  constructor(text: string, pos = 0) {
    this.text = text;
    this.pos = pos;
    this.plain = !text.includes('\\');
  }

  fail(problem: string): never {
    throw new RoutingFormatError(`${problem} at offset ${this.pos}`);
  }

  skipWhitespace(): void {
    const text = this.text;
    let pos = this.pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c !== space && c !== lineFeed && c !== carriageReturn && c !== tab) break;
      pos++;
    }
    this.pos = pos;
  }

  /** The next significant character (NaN at the end), without consuming it. */
  peek(): number {
    this.skipWhitespace();
    return this.text.charCodeAt(this.pos);
  }

  expect(code: number): void {
    if (this.peek() !== code) this.fail(`expected '${String.fromCharCode(code)}'`);
    this.pos++;
  }

  /** After a member: true when another follows (a comma), false at the closing bracket. */
  more(close: number): boolean {
    const c = this.peek();
    this.pos++;
    if (c === 0x2c) return true;
    if (c === close) return false;
    this.pos--;
    return this.fail(`expected ',' or '${String.fromCharCode(close)}'`);
  }

  /** Reads a string; its bounds land in stringStart/stringEnd. */
  string(): void {
    if (this.peek() !== quote) this.fail('expected a string');
    const text = this.text;
    let pos = this.pos + 1;
    let escaped = false;
    this.stringStart = pos;
    if (this.plain) {
      pos = text.indexOf('"', pos);
      if (pos < 0) this.fail('unterminated string');
    } else for (;;) {
      const c = text.charCodeAt(pos);
      if (c === quote) break;
      if (c === backslash) {
        escaped = true;
        pos += 2;
        continue;
      }
      if (c < space || c !== c) {
        this.pos = pos;
        this.fail(c !== c ? 'unterminated string' : 'control character in string');
      }
      pos++;
    }
    this.stringEnd = pos;
    this.escaped = escaped;
    this.pos = pos + 1;
  }

  /**
   * In plain text, where the object starting at the cursor ends (just past its closing brace), or
   * -1. Strings are jumped over quote to quote; nothing is checked, so the caller must still
   * parse what it has not seen before.
   */
  objectEnd(): number {
    const text = this.text;
    let depth = 0;
    let pos = this.pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === quote) {
        pos = text.indexOf('"', pos + 1) + 1;
        if (pos === 0) return -1;
        continue;
      }
      if (c !== c) return -1;
      if (c === 0x7b) depth++;
      else if (c === 0x7d && --depth === 0) return pos + 1;
      pos++;
    }
  }

  /** The last string as a fresh value (decoded, and never a slice that would keep the whole text alive). */
  stringValue(): string {
    try {
      return JSON.parse(this.text.slice(this.stringStart - 1, this.stringEnd + 1)) as string;
    } catch {
      this.pos = this.stringStart;
      return this.fail('invalid escape in string');
    }
  }

  /** Fails if the last string holds a control character, which JSON forbids unescaped (plain text reads them unchecked). */
  checkContent(): void {
    if (this.plain && controlCharacter.test(this.text.slice(this.stringStart, this.stringEnd))) {
      this.pos = this.stringStart;
      this.fail('control character in string');
    }
  }

  /** Whether the last string, unescaped, is exactly `expected`. */
  stringIs(expected: string): boolean {
    if (this.escaped) return this.stringValue() === expected;
    return this.stringEnd - this.stringStart === expected.length && this.text.startsWith(expected, this.stringStart);
  }

  boolean(): boolean {
    const text = this.text;
    this.skipWhitespace();
    if (text.startsWith('true', this.pos)) {
      this.pos += 4;
      return true;
    }
    if (text.startsWith('false', this.pos)) {
      this.pos += 5;
      return false;
    }
    return this.fail('expected true or false');
  }

  /** Skips any value and returns it parsed (by JSON.parse, so its syntax is checked exactly). */
  value(): unknown {
    this.skipWhitespace();
    const start = this.pos;
    const first = this.text.charCodeAt(start);
    if (first === quote) this.string();
    else if (first === 0x7b || first === 0x5b) this.skipBrackets();
    else this.skipScalar();
    try {
      return JSON.parse(this.text.slice(start, this.pos));
    } catch (error) {
      this.pos = start;
      return this.fail(`invalid value (${(error as Error).message})`);
    }
  }

  private skipBrackets(): void {
    const text = this.text;
    let depth = 0;
    for (;;) {
      const c = text.charCodeAt(this.pos);
      if (c !== c) this.fail('unterminated object or array');
      if (c === quote) {
        this.string();
        continue;
      }
      this.pos++;
      if (c === 0x7b || c === 0x5b) depth++;
      else if ((c === 0x7d || c === 0x5d) && --depth === 0) return;
    }
  }

  private skipScalar(): void {
    const text = this.text;
    for (;;) {
      const c = text.charCodeAt(this.pos);
      // Digits, signs, '.', and letters cover numbers and true/false/null; JSON.parse judges them.
      const scalar = (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || (c >= 0x61 && c <= 0x7a) || c === 0x45;
      if (!scalar) break;
      this.pos++;
    }
  }

  /** Fails unless only whitespace remains. */
  end(): void {
    this.skipWhitespace();
    if (this.pos !== this.text.length) this.fail('unexpected text after the document');
  }
}
