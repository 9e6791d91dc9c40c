// The SIP message model (RFC 3261 §7): a start line, an ordered list of header
// fields and an opaque body. Header values are kept as (unfolded) text and read
// through the typed accessors in via.ts, name-addr.ts, scalar-headers.ts and
// digest.ts, so a message edited by a TU never carries a stale parsed copy.
import { canonicalHeaderName, sameHeaderName } from './header-names.ts';
import type { Uri } from './uri.ts';

export interface HeaderField {
  /** Canonical long-form name for known headers; as received otherwise. */
  name: string;
  /** One value: list headers (Via, Contact, Route, …) are stored one element per field. */
  value: string;
}

export interface SipRequest {
  kind: 'request';
  method: string;
  uri: Uri;
  version: string;
  headers: HeaderField[];
  body: Buffer;
}

export interface SipResponse {
  kind: 'response';
  status: number;
  reason: string;
  version: string;
  headers: HeaderField[];
  body: Buffer;
}

export type SipMessage = SipRequest | SipResponse;

export const SIP_VERSION = 'SIP/2.0';

export function headerValues(message: { headers: readonly HeaderField[] }, name: string): string[] {
  const wanted = canonicalHeaderName(name);
  return message.headers.filter((h) => sameHeaderName(h.name, wanted)).map((h) => h.value);
}

export function headerValue(message: { headers: readonly HeaderField[] }, name: string): string | undefined {
  const wanted = canonicalHeaderName(name);
  return message.headers.find((h) => sameHeaderName(h.name, wanted))?.value;
}

/** The option tags of Require, Supported and the like: comma lists, possibly over several fields; empty entries dropped, case kept. */
export function optionTags(message: { headers: readonly HeaderField[] }, name: string): string[] {
  return headerValues(message, name).flatMap((value) => value.split(',')).map((tag) => tag.trim()).filter((tag) => tag !== '');
}

export function hasHeader(message: { headers: readonly HeaderField[] }, name: string): boolean {
  return headerValue(message, name) !== undefined;
}

export function removeHeader(message: { headers: HeaderField[] }, name: string): void {
  const wanted = canonicalHeaderName(name);
  message.headers = message.headers.filter((h) => !sameHeaderName(h.name, wanted));
}

/** Replaces every field of that name with one field, kept at the position of the first. */
export function setHeader(message: { headers: HeaderField[] }, name: string, value: string): void {
  const canonical = canonicalHeaderName(name);
  const index = message.headers.findIndex((h) => sameHeaderName(h.name, canonical));
  removeHeader(message, canonical);
  const field = { name: canonical, value };
  if (index < 0) message.headers.push(field);
  else message.headers.splice(index, 0, field);
}

export function appendHeader(message: { headers: HeaderField[] }, name: string, value: string): void {
  message.headers.push({ name: canonicalHeaderName(name), value });
}

/** Inserts before the first field of that name (how a new top Via or Record-Route is added). */
export function prependHeader(message: { headers: HeaderField[] }, name: string, value: string): void {
  const canonical = canonicalHeaderName(name);
  const index = message.headers.findIndex((h) => sameHeaderName(h.name, canonical));
  message.headers.splice(index < 0 ? 0 : index, 0, { name: canonical, value });
}

/** Deep-enough copy for a TU to edit headers without touching the original. */
export function cloneMessage<T extends SipMessage>(message: T): T {
  return { ...message, headers: message.headers.map((h) => ({ ...h })) };
}
