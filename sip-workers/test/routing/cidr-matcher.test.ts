// Longest-prefix matching checked against the definition: of every prefix that contains the
// address (api/routing/cidr.ts prefixContains), the longest wins.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAddress, parsePrefix, prefixContains, type Prefix } from '../../../api/routing/cidr.ts';
import { CidrMatcher, parseIPv4 } from '../../src/routing/cidr-matcher.ts';

let seed = 42;
const next = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed;
};
const octet = () => next() % 4 === 0 ? 10 : next() % 256;

function longestByDefinition(prefixes: Prefix[], address: string): number | undefined {
  const parsed = parseAddress(address);
  if (!parsed) return undefined;
  let best: number | undefined;
  prefixes.forEach((prefix, index) => {
    if (prefixContains(prefix, parsed) && (best === undefined || prefix.length > (prefixes[best]?.length ?? -1))) best = index;
  });
  return best;
}

test('IPv4 and IPv6 sources match the longest containing prefix, as the definition says', () => {
  const texts = [
    ...Array.from({ length: 150 }, () => `10.${octet()}.${octet()}.${octet()}/${8 + (next() % 25)}`),
    ...Array.from({ length: 60 }, () => `2001:db8:${(next() % 4).toString(16)}:${(next() % 4).toString(16)}::/${32 + (next() % 50)}`),
    '0.0.0.0/0', '::/0', '10.0.0.0/8',
  ];
  // Identical networks keep their first entry, as the matcher does.
  const prefixes: Prefix[] = [];
  for (const text of texts) {
    const prefix = parsePrefix(text);
    if (prefix && !prefixes.some((p) => p.text === prefix.text)) prefixes.push(prefix);
  }
  const matcher = new CidrMatcher(prefixes.map((prefix, index) => [prefix, index] as const));
  const addresses = [
    ...Array.from({ length: 4000 }, () => `10.${octet()}.${octet()}.${octet()}`),
    ...Array.from({ length: 1000 }, () => `::ffff:10.${octet()}.${octet()}.${octet()}`),
    ...Array.from({ length: 1500 }, () => `2001:db8:${(next() % 4).toString(16)}:${(next() % 4).toString(16)}::${(next() % 65536).toString(16)}`),
    '192.0.2.1', 'fe80::1', '::1',
  ];
  for (const address of addresses) assert.equal(matcher.match(address), longestByDefinition(prefixes, address), address);
});

test('the fast IPv4 reader agrees with the reference parser and declines what it does not handle', () => {
  for (let i = 0; i < 3000; i++) {
    const address = `${next() % 256}.${next() % 256}.${next() % 256}.${next() % 256}`;
    assert.equal(parseIPv4(address), Number(parseAddress(address)?.value), address);
  }
  for (const text of ['1.2.3', '1.2.3.4.5', '1.2.3.256', '01.2.3.4', '1.2.3.4 ', '', 'a.b.c.d', '1..2.3', '1.2.3.-4']) assert.equal(parseIPv4(text), -1, text);
});
