// IPv4/IPv6 prefixes as integers: the operator checks trunks for overlap with them and the
// workers (and the CLI's explain-route) match source addresses against them.
import { isIPv4, isIPv6 } from 'node:net';

export interface Prefix {
  family: 4 | 6;
  /** The network address, host bits zero. */
  network: bigint;
  length: number;
  /** Canonical text: 203.0.113.0/24, 2001:db8::/48. */
  text: string;
}

function ipv4ToBigInt(address: string): bigint {
  return address.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

function ipv6ToBigInt(address: string): bigint {
  let text = address;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    // An embedded IPv4 tail (::ffff:192.0.2.1) stands for the last two groups.
    const v4 = ipv4ToBigInt(tail);
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = rest === undefined ? [] : rest ? rest.split(':') : [];
  const fill = rest === undefined ? [] : new Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...fill, ...tailGroups].reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}

function bigIntToIPv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

function bigIntToIPv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => ((value >> BigInt((7 - i) * 16)) & 0xffffn).toString(16));
  // Compress the longest run of zero groups, as RFC 5952 asks.
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLength && j - i > 1) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}

/** An address as an integer with its family, or undefined when it is not an IP address. */
export function parseAddress(address: string): { family: 4 | 6; value: bigint } | undefined {
  if (isIPv4(address)) return { family: 4, value: ipv4ToBigInt(address) };
  const unzoned = address.replace(/%.*$/, '');
  if (isIPv6(unzoned)) {
    const value = ipv6ToBigInt(unzoned);
    // IPv4-mapped IPv6 (::ffff:a.b.c.d), as a dual-stack socket reports IPv4 peers, is IPv4.
    if (value >> 32n === 0xffffn) return { family: 4, value: value & 0xffffffffn };
    return { family: 6, value };
  }
  return undefined;
}

/** Parses "a.b.c.d", "a.b.c.d/n", "x::y" or "x::y/n"; a bare address is a host prefix. */
export function parsePrefix(text: string): Prefix | undefined {
  const [address = '', lengthText] = text.split('/');
  const parsed = parseAddress(address);
  if (!parsed || address.includes('%')) return undefined;
  const bits = parsed.family === 4 ? 32 : 128;
  const length = lengthText === undefined ? bits : Number(lengthText);
  if (!Number.isInteger(length) || length < 0 || length > bits || (lengthText !== undefined && !/^\d+$/.test(lengthText))) return undefined;
  const hostMask = (1n << BigInt(bits - length)) - 1n;
  const network = parsed.value & ~hostMask;
  const formatted = parsed.family === 4 ? bigIntToIPv4(network) : bigIntToIPv6(network);
  return { family: parsed.family, network, length, text: `${formatted}/${length}` };
}

export function prefixContains(prefix: Prefix, address: { family: 4 | 6; value: bigint }): boolean {
  if (prefix.family !== address.family) return false;
  const bits = prefix.family === 4 ? 32 : 128;
  return address.value >> BigInt(bits - prefix.length) === prefix.network >> BigInt(bits - prefix.length);
}

export function prefixesOverlap(a: Prefix, b: Prefix): boolean {
  if (a.family !== b.family) return false;
  const bits = a.family === 4 ? 32 : 128;
  const shorter = BigInt(bits - Math.min(a.length, b.length));
  return a.network >> shorter === b.network >> shorter;
}
