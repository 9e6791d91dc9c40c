// The limited STUN server RFC 5626 §8 asks of a SIP server on the UDP port it takes SIP on: a
// phone behind NAT sends Binding requests over its SIP flow as keep-alives (every 24-29 s, which
// keeps its NAT's mapping open), and reads in the answer's XOR-MAPPED-ADDRESS whether the mapping
// changed, in which case it registers again (RFC 5626 §4.4.2). Only Binding, no authentication
// (the usage has none), RFC 5389's message format. Pure: the transport sends what this returns.
import { crc32 } from 'node:zlib';
import { parseAddress } from '../../../api/routing/cidr.ts';

const HEADER_BYTES = 20;
const MAGIC_COOKIE = 0x2112a442;
const BINDING = 0x0001;
const SUCCESS_RESPONSE = 0x0100;
const ERROR_RESPONSE = 0x0110;
const CLASS_BITS = 0x0110;
const REQUEST = 0x0000;
const XOR_MAPPED_ADDRESS = 0x0020;
const ERROR_CODE = 0x0009;
const UNKNOWN_ATTRIBUTES = 0x000a;
const FINGERPRINT = 0x8028;
const FINGERPRINT_XOR = 0x5354554e;

export type StunAnswer =
  | { kind: 'binding-response'; response: Buffer }
  | { kind: 'error-response'; status: number; response: Buffer }
  /** An indication, a response or a malformed message: RFC 5389 §7.3 answers none of them. */
  | { kind: 'ignored'; reason: string };

/**
 * Whether a datagram is STUN rather than SIP (RFC 5389 §6, RFC 7983): its first two bits are 0
 * (a SIP message starts with a letter), the magic cookie follows the length, and the length
 * (a multiple of 4) accounts for the rest of the datagram.
 */
export function isStunMessage(data: Buffer): boolean {
  if (data.length < HEADER_BYTES || (data[0] ?? 0xff) >= 0x40) return false;
  const length = data.readUInt16BE(2);
  return length % 4 === 0 && HEADER_BYTES + length === data.length && data.readUInt32BE(4) === MAGIC_COOKIE;
}

interface Attribute {
  type: number;
  value: Buffer;
  offset: number;
}

/** The attributes in order, or undefined when one runs past the end (RFC 5389 §15: each value padded to 4 bytes). */
function attributesOf(message: Buffer): Attribute[] | undefined {
  const attributes: Attribute[] = [];
  for (let offset = HEADER_BYTES; offset < message.length;) {
    if (offset + 4 > message.length) return undefined;
    const type = message.readUInt16BE(offset);
    const length = message.readUInt16BE(offset + 2);
    const end = offset + 4 + length;
    if (end > message.length) return undefined;
    attributes.push({ type, value: message.subarray(offset + 4, end), offset });
    offset = end + ((4 - (length % 4)) % 4);
  }
  return attributes;
}

/** RFC 5389 §15.5: CRC-32 of the message up to the attribute, with the header's length already counting it, XORed. */
const fingerprintOf = (messageUpToFingerprint: Buffer) => (crc32(messageUpToFingerprint) ^ FINGERPRINT_XOR) >>> 0;

function attribute(type: number, value: Buffer): Buffer {
  const padded = Buffer.alloc(4 + value.length + ((4 - (value.length % 4)) % 4));
  padded.writeUInt16BE(type, 0);
  padded.writeUInt16BE(value.length, 2);
  value.copy(padded, 4);
  return padded;
}

/** RFC 5389 §15.2: the port XORed with the cookie's top half, the address with the cookie (and, for IPv6, the transaction ID). */
function xorMappedAddress(address: string, port: number, transactionId: Buffer): Buffer | undefined {
  const parsed = parseAddress(address);
  if (!parsed) return undefined;
  const cookie = Buffer.alloc(4);
  cookie.writeUInt32BE(MAGIC_COOKIE);
  const mask = Buffer.concat([cookie, transactionId]);
  const addressBytes = parsed.family === 4 ? 4 : 16;
  const value = Buffer.alloc(4 + addressBytes);
  value.writeUInt8(parsed.family === 4 ? 0x01 : 0x02, 1);
  value.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), 2);
  for (let index = 0; index < addressBytes; index++) {
    const byte = Number((parsed.value >> BigInt((addressBytes - 1 - index) * 8)) & 0xffn);
    value.writeUInt8(byte ^ (mask[index] ?? 0), 4 + index);
  }
  return attribute(XOR_MAPPED_ADDRESS, value);
}

function errorCode(status: number, reason: string): Buffer {
  const phrase = Buffer.from(reason);
  const value = Buffer.alloc(4 + phrase.length);
  value.writeUInt8(Math.floor(status / 100), 2);
  value.writeUInt8(status % 100, 3);
  phrase.copy(value, 4);
  return attribute(ERROR_CODE, value);
}

function unknownAttributes(types: number[]): Buffer {
  const value = Buffer.alloc(types.length * 2);
  types.forEach((type, index) => value.writeUInt16BE(type, index * 2));
  return attribute(UNKNOWN_ATTRIBUTES, value);
}

/** A message of `type` for `transactionId` holding `attributes`, with a FINGERPRINT last when asked for. */
function message(type: number, transactionId: Buffer, attributes: Buffer[], withFingerprint: boolean): Buffer {
  const body = Buffer.concat(attributes);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(body.length + (withFingerprint ? 8 : 0), 2);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(header, 8);
  const unsigned = Buffer.concat([header, body]);
  if (!withFingerprint) return unsigned;
  const fingerprint = Buffer.alloc(4);
  fingerprint.writeUInt32BE(fingerprintOf(unsigned));
  return Buffer.concat([unsigned, attribute(FINGERPRINT, fingerprint)]);
}

/**
 * The answer to a datagram isStunMessage accepted, from `source` (the address the phone's NAT
 * shows us). A FINGERPRINT that does not match means the datagram was not STUN after all; one
 * that does is returned in kind (RFC 5389 §7.3: the response mirrors the request's usage of it).
 */
export function answerStun(data: Buffer, source: { address: string; port: number }): StunAnswer {
  const type = data.readUInt16BE(0);
  const transactionId = data.subarray(8, HEADER_BYTES);
  const attributes = attributesOf(data);
  if (!attributes) return { kind: 'ignored', reason: 'an attribute runs past the end' };
  const fingerprintAt = attributes.findIndex((attr) => attr.type === FINGERPRINT);
  const fingerprint = attributes[fingerprintAt];
  if (fingerprint) {
    if (fingerprintAt !== attributes.length - 1 || fingerprint.value.length !== 4) return { kind: 'ignored', reason: 'FINGERPRINT is not the last attribute' };
    if (fingerprint.value.readUInt32BE(0) !== fingerprintOf(data.subarray(0, fingerprint.offset))) return { kind: 'ignored', reason: 'FINGERPRINT does not match' };
  }
  if ((type & CLASS_BITS) !== REQUEST) return { kind: 'ignored', reason: 'not a request' };
  const withFingerprint = fingerprint !== undefined;
  const method = type & ~CLASS_BITS;
  if (method !== BINDING) {
    return { kind: 'error-response', status: 400, response: message(method | ERROR_RESPONSE, transactionId, [errorCode(400, 'Bad Request')], withFingerprint) };
  }
  // Comprehension-required (below 0x8000) are all unknown to a Binding server without authentication.
  const unknown = attributes.filter((attr) => attr.type < 0x8000).map((attr) => attr.type);
  if (unknown.length > 0) {
    return { kind: 'error-response', status: 420, response: message(BINDING | ERROR_RESPONSE, transactionId, [errorCode(420, 'Unknown Attribute'), unknownAttributes(unknown)], withFingerprint) };
  }
  const mapped = xorMappedAddress(source.address, source.port, transactionId);
  if (!mapped) return { kind: 'ignored', reason: `no IP address to map: ${source.address}` };
  return { kind: 'binding-response', response: message(BINDING | SUCCESS_RESPONSE, transactionId, [mapped], withFingerprint) };
}
