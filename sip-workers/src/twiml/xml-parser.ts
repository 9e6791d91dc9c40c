// A small XML parser for the subset TwiML uses: elements, attributes, text, CDATA, comments,
// processing instructions (the XML declaration among them) and character references. Document
// type declarations are refused outright, so there are no entity definitions to expand and no
// external resources to fetch: a customer's webhook cannot make a worker resolve anything.
// Nothing throws; a malformed document is a value naming the offset where parsing stopped.

export interface XmlElement {
  readonly name: string;
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: readonly XmlNode[];
}

export type XmlNode = XmlElement | string;

export type XmlParseResult =
  | { readonly ok: true; readonly root: XmlElement }
  | { readonly ok: false; readonly error: { readonly offset: number; readonly detail: string } };

export interface XmlParseOptions {
  /** Nesting deeper than this is refused; TwiML needs three levels. */
  readonly maxDepth?: number;
}

const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const NAME = /[A-Za-z_:][-A-Za-z0-9_:.\u00B7\u00C0-\uFFFF]*/y;
const WHITESPACE = /[ \t\r\n]*/y;

class XmlSyntaxError extends Error {
  readonly offset: number;
  readonly detail: string;
  constructor(offset: number, detail: string) {
    super(`${detail} at offset ${offset}`);
    this.offset = offset;
    this.detail = detail;
  }
}

interface MutableElement {
  name: string;
  attributes: Map<string, string>;
  children: XmlNode[];
}

export function parseXml(text: string, options: XmlParseOptions = {}): XmlParseResult {
  try {
    return { ok: true, root: new Cursor(text, options.maxDepth ?? 32).document() };
  } catch (error) {
    if (error instanceof XmlSyntaxError) return { ok: false, error: { offset: error.offset, detail: error.detail } };
    throw error;
  }
}

/** The text content of an element: its own text and CDATA, not that of nested elements. */
export function ownText(element: XmlElement): string {
  return element.children.filter((child) => typeof child === 'string').join('');
}

export function childElements(element: XmlElement): XmlElement[] {
  return element.children.filter((child): child is XmlElement => typeof child !== 'string');
}

class Cursor {
  private readonly text: string;
  private readonly maxDepth: number;
  private at = 0;

  constructor(text: string, maxDepth: number) {
    // A byte order mark may precede the declaration.
    this.text = text;
    this.at = text.startsWith('\uFEFF') ? 1 : 0;
    this.maxDepth = maxDepth;
  }

  document(): XmlElement {
    this.misc();
    if (!this.text.startsWith('<', this.at) || this.text.startsWith('</', this.at)) this.fail('expected the root element');
    const root = this.element(1);
    this.misc();
    if (this.at < this.text.length) this.fail('content after the root element');
    return root;
  }

  /** Whitespace, comments and processing instructions around the root element. */
  private misc(): void {
    for (;;) {
      this.skipWhitespace();
      if (this.text.startsWith('<!--', this.at)) this.comment();
      else if (this.text.startsWith('<?', this.at)) this.processingInstruction();
      else if (this.text.startsWith('<!DOCTYPE', this.at)) this.fail('document type declarations are not accepted');
      else return;
    }
  }

  private element(depth: number): XmlElement {
    if (depth > this.maxDepth) this.fail(`elements nested deeper than ${this.maxDepth}`);
    this.at += 1; // '<'
    const name = this.name();
    const element: MutableElement = { name, attributes: new Map(), children: [] };
    this.attributes(element);
    if (this.text.startsWith('/>', this.at)) {
      this.at += 2;
      return element;
    }
    this.expect('>');
    this.content(element, depth);
    return element;
  }

  private attributes(element: MutableElement): void {
    for (;;) {
      const before = this.at;
      this.skipWhitespace();
      if (this.text.startsWith('/>', this.at) || this.text.startsWith('>', this.at)) return;
      if (this.at === before) this.fail(`expected whitespace before an attribute of <${element.name}>`);
      const name = this.name();
      this.skipWhitespace();
      this.expect('=');
      this.skipWhitespace();
      if (element.attributes.has(name)) this.fail(`attribute ${name} repeated on <${element.name}>`);
      element.attributes.set(name, this.attributeValue());
    }
  }

  private attributeValue(): string {
    const quote = this.text[this.at];
    if (quote !== '"' && quote !== "'") this.fail('expected a quoted attribute value');
    this.at += 1;
    let value = '';
    for (;;) {
      const c = this.text[this.at];
      if (c === undefined) this.fail('unterminated attribute value');
      if (c === quote) break;
      if (c === '<') this.fail("'<' in an attribute value");
      if (c === '&') value += this.reference();
      else {
        // Attribute-value normalisation (XML 1.0 §3.3.3): each whitespace character becomes a space.
        value += c === '\t' || c === '\n' || c === '\r' ? ' ' : c;
        this.at += 1;
      }
    }
    this.at += 1;
    return value;
  }

  private content(element: MutableElement, depth: number): void {
    let text = '';
    const flush = (): void => {
      if (text !== '') element.children.push(text);
      text = '';
    };
    for (;;) {
      const c = this.text[this.at];
      if (c === undefined) this.fail(`<${element.name}> is not closed`);
      if (c === '&') {
        text += this.reference();
      } else if (c !== '<') {
        if (this.text.startsWith(']]>', this.at)) this.fail("']]>' in text");
        text += c;
        this.at += 1;
      } else if (this.text.startsWith('</', this.at)) {
        flush();
        this.endTag(element.name);
        return;
      } else if (this.text.startsWith('<![CDATA[', this.at)) {
        text += this.cdata();
      } else if (this.text.startsWith('<!--', this.at)) {
        this.comment();
      } else if (this.text.startsWith('<?', this.at)) {
        this.processingInstruction();
      } else if (this.text.startsWith('<!', this.at)) {
        this.fail('markup declarations are not accepted');
      } else {
        flush();
        element.children.push(this.element(depth + 1));
      }
    }
  }

  private endTag(name: string): void {
    this.at += 2;
    const closing = this.name();
    if (closing !== name) this.fail(`</${closing}> closes <${name}>`);
    this.skipWhitespace();
    this.expect('>');
  }

  private reference(): string {
    const end = this.text.indexOf(';', this.at);
    if (end === -1 || end - this.at > 12) this.fail("'&' that starts no reference");
    const body = this.text.slice(this.at + 1, end);
    let value: string | undefined;
    if (/^#[0-9]+$/.test(body)) value = codePoint(Number.parseInt(body.slice(1), 10));
    else if (/^#x[0-9A-Fa-f]+$/.test(body)) value = codePoint(Number.parseInt(body.slice(2), 16));
    else value = PREDEFINED_ENTITIES[body];
    if (value === undefined) this.fail(`unknown or invalid reference &${body};`);
    this.at = end + 1;
    return value;
  }

  private cdata(): string {
    const start = this.at + '<![CDATA['.length;
    const end = this.text.indexOf(']]>', start);
    if (end === -1) this.fail('unterminated CDATA section');
    this.at = end + 3;
    return this.text.slice(start, end);
  }

  private comment(): void {
    const end = this.text.indexOf('-->', this.at + 4);
    if (end === -1) this.fail('unterminated comment');
    if (this.text.slice(this.at + 4, end).includes('--')) this.fail("'--' inside a comment");
    this.at = end + 3;
  }

  private processingInstruction(): void {
    const end = this.text.indexOf('?>', this.at + 2);
    if (end === -1) this.fail('unterminated processing instruction');
    this.at = end + 2;
  }

  private name(): string {
    NAME.lastIndex = this.at;
    const match = NAME.exec(this.text);
    if (match === null) this.fail('expected a name');
    this.at = NAME.lastIndex;
    return match[0];
  }

  private skipWhitespace(): void {
    WHITESPACE.lastIndex = this.at;
    WHITESPACE.exec(this.text);
    this.at = WHITESPACE.lastIndex;
  }

  private expect(literal: string): void {
    if (!this.text.startsWith(literal, this.at)) this.fail(`expected '${literal}'`);
    this.at += literal.length;
  }

  private fail(detail: string): never {
    throw new XmlSyntaxError(this.at, detail);
  }
}

/** A character reference's value, or undefined for code points XML forbids (NUL, surrogates, beyond U+10FFFF). */
function codePoint(value: number): string | undefined {
  const allowed = value === 0x9 || value === 0xa || value === 0xd
    || (value >= 0x20 && value <= 0xd7ff) || (value >= 0xe000 && value <= 0xfffd) || (value >= 0x10000 && value <= 0x10ffff);
  return allowed ? String.fromCodePoint(value) : undefined;
}
