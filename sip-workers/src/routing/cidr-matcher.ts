// Longest-prefix match of a source address against the inbound trunks' CIDRs. One Map per prefix
// length in use, probed from the longest length down: an IPv4 lookup is a handful of integer Map
// probes with no bigint, an IPv6 one the same over bigints. IPv4-mapped IPv6 ("::ffff:a.b.c.d", as
// a dual-stack socket reports IPv4 peers) is matched as IPv4.
import { parseAddress, type Prefix } from '../../../api/routing/cidr.ts';

/** An IPv4 mask per prefix length, as a signed 32-bit integer. */
const masks = Array.from({ length: 33 }, (_, length) => (length === 0 ? 0 : (-1 << (32 - length)) | 0));

/**
 * A dotted quad starting at text[start] and running to the end, as an unsigned integer; -1 unless
 * it is in canonical form (four decimal octets without leading zeros). Others go the slow way.
 */
export function parseIPv4(text: string, start = 0): number {
  let value = 0;
  let octets = 0;
  let pos = start;
  const end = text.length;
  while (octets < 4) {
    const first = pos;
    let octet = 0;
    while (pos < end && pos - first < 3) {
      const digit = text.charCodeAt(pos) - 0x30;
      if (digit < 0 || digit > 9) break;
      octet = octet * 10 + digit;
      pos++;
    }
    const digits = pos - first;
    if (digits === 0 || octet > 255 || (digits > 1 && text.charCodeAt(first) === 0x30)) return -1;
    value = value * 256 + octet;
    octets++;
    if (octets < 4) {
      if (text.charCodeAt(pos) !== 0x2e) return -1;
      pos++;
    }
  }
  return pos === end ? value : -1;
}

/** Whether the address starts with "::ffff:" in any case, checked without allocating. */
function mappedIPv4Start(address: string): number {
  if (address.charCodeAt(0) !== 0x3a || address.charCodeAt(1) !== 0x3a || address.charCodeAt(6) !== 0x3a) return -1;
  for (let i = 2; i < 6; i++) if ((address.charCodeAt(i) | 0x20) !== 0x66) return -1;
  return 7;
}

export class CidrMatcher<T> {
  private readonly v4Lengths: number[];
  private readonly v4: (Map<number, T> | undefined)[] = [];
  private readonly v6Lengths: number[];
  private readonly v6: (Map<bigint, T> | undefined)[] = [];
  private readonly v6Shifts: bigint[] = [];

  /** For an identical prefix listed twice, the first value wins. */
  constructor(entries: Iterable<readonly [Prefix, T]>) {
    for (const [prefix, value] of entries) {
      if (prefix.family === 4) {
        const byNetwork = (this.v4[prefix.length] ??= new Map());
        const key = Number(prefix.network) & (masks[prefix.length] ?? 0);
        if (!byNetwork.has(key)) byNetwork.set(key, value);
      } else {
        const byNetwork = (this.v6[prefix.length] ??= new Map());
        const key = prefix.network >> BigInt(128 - prefix.length);
        if (!byNetwork.has(key)) byNetwork.set(key, value);
      }
    }
    this.v4Lengths = longestFirst(this.v4);
    this.v6Lengths = longestFirst(this.v6);
    for (const length of this.v6Lengths) this.v6Shifts[length] = BigInt(128 - length);
  }

  /** The value of the longest prefix containing the address; undefined for no match or no address. */
  match(address: string): T | undefined {
    const v4 = parseIPv4(address);
    if (v4 >= 0) return this.matchIPv4(v4);
    const mappedStart = mappedIPv4Start(address);
    const mapped = mappedStart > 0 ? parseIPv4(address, mappedStart) : -1;
    if (mapped >= 0) return this.matchIPv4(mapped);
    const parsed = parseAddress(address);
    if (!parsed) return undefined;
    return parsed.family === 4 ? this.matchIPv4(Number(parsed.value)) : this.matchIPv6(parsed.value);
  }

  /** An IPv4 address as an unsigned (or signed) 32-bit integer. */
  matchIPv4(address: number): T | undefined {
    for (const length of this.v4Lengths) {
      const hit = this.v4[length]?.get(address & (masks[length] ?? 0));
      if (hit !== undefined) return hit;
    }
    return undefined;
  }

  matchIPv6(address: bigint): T | undefined {
    for (const length of this.v6Lengths) {
      const hit = this.v6[length]?.get(address >> (this.v6Shifts[length] ?? 0n));
      if (hit !== undefined) return hit;
    }
    return undefined;
  }
}

function longestFirst(byLength: readonly (Map<unknown, unknown> | undefined)[]): number[] {
  const lengths: number[] = [];
  byLength.forEach((map, length) => {
    if (map) lengths.push(length);
  });
  return lengths.reverse();
}
