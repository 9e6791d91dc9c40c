// Reading TwiML attribute values the way Twilio does: malformed values become the default and
// leave a warning behind; URLs resolve against the document's own URL.
import type { HttpMethod } from './twiml-verbs.ts';
import type { XmlElement } from './xml-parser.ts';

export interface ReadContext {
  readonly documentUrl: string;
  readonly warnings: string[];
}

/** A verb or noun that cannot be carried out as written. */
export interface VerbFailure {
  readonly failure: string;
}

export function isFailure(value: object): value is VerbFailure {
  return 'failure' in value;
}

export function methodAttribute(element: XmlElement, context: ReadContext, name = 'method'): HttpMethod {
  const value = element.attributes.get(name);
  if (value === undefined) return 'POST';
  const method = value.trim().toUpperCase();
  if (method === 'GET' || method === 'POST') return method;
  context.warnings.push(`<${element.name} ${name}="${value}">: not GET or POST, using POST`);
  return 'POST';
}

/** A whole number of seconds in [min, max]; out-of-range values are clamped, malformed ones defaulted. */
export function secondsAttribute(
  element: XmlElement, name: string, range: { readonly min: number; readonly max: number; readonly fallback: number }, context: ReadContext,
): number {
  const value = element.attributes.get(name);
  if (value === undefined) return range.fallback;
  if (!/^\s*[0-9]+\s*$/.test(value)) {
    context.warnings.push(`<${element.name} ${name}="${value}">: not a whole number of seconds, using ${range.fallback}`);
    return range.fallback;
  }
  const seconds = Number.parseInt(value, 10);
  const clamped = Math.min(range.max, Math.max(range.min, seconds));
  if (clamped !== seconds) context.warnings.push(`<${element.name} ${name}="${value}">: outside ${range.min}-${range.max}, using ${clamped}`);
  return clamped;
}

export function booleanAttribute(element: XmlElement, name: string, context: ReadContext): boolean {
  const value = element.attributes.get(name)?.trim().toLowerCase();
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  context.warnings.push(`<${element.name} ${name}="${element.attributes.get(name)}">: not true or false, using false`);
  return false;
}

/** A non-empty attribute value, trimmed; undefined when absent or blank. */
export function textAttribute(element: XmlElement, name: string): string | undefined {
  const value = element.attributes.get(name)?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** Printable ASCII without spaces: a URL the request can carry exactly as written. */
const WIRE_READY = /^[\x21-\x7e]+$/;

/**
 * An http(s) URL to request next. An absolute reference is kept as written, so it is signed
 * exactly as the customer wrote it; a relative one is resolved against the document's URL. So
 * is one holding what the URL parser removes or escapes (a line break or tab inside it, spaces,
 * control or non-ASCII characters): the request goes to the parsed URL, and a signature over
 * other text would fail the customer's check.
 */
export function resolveWebhookUrl(reference: string, context: ReadContext): string | VerbFailure {
  const absolute = URL.parse(reference);
  const resolved = absolute ?? URL.parse(reference, context.documentUrl);
  if (resolved === null) return { failure: `"${reference}" is not a URL and cannot be resolved against ${context.documentUrl}` };
  if (resolved.protocol !== 'http:' && resolved.protocol !== 'https:') return { failure: `"${reference}" is not an http or https URL` };
  return absolute !== null && WIRE_READY.test(reference) ? reference : resolved.href;
}
