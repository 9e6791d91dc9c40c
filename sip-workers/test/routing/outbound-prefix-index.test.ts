// Outbound candidates checked against the definition: enabled trunks whose longest matching
// route prefix (0 for a trunk without prefixes) is the longest among all enabled trunks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OutboundTrunkRoute } from '../../../api/routing/schema.ts';
import { OutboundPrefixIndex } from '../../src/routing/outbound-prefix-index.ts';
import { RoutingFormatError } from '../../src/routing/routing-format-error.ts';
import { outbound } from './fixtures.ts';

let seed = 7;
const next = (n: number) => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return (seed >>> 8) % n;
};
const digits = (length: number) => Array.from({ length }, () => String(next(3) === 0 ? 5 : next(10))).join('');

function byDefinition(trunks: OutboundTrunkRoute[], number: string): string[] {
  const matchLength = (trunk: OutboundTrunkRoute) =>
    trunk.routePrefixes.length === 0 ? 0 : Math.max(-1, ...trunk.routePrefixes.filter((prefix) => number.startsWith(prefix)).map((prefix) => prefix.length));
  const enabled = trunks.filter((trunk) => trunk.enabled);
  const best = Math.max(-1, ...enabled.map(matchLength));
  return best < 0 ? [] : enabled.filter((trunk) => matchLength(trunk) === best).map((trunk) => trunk.name).sort();
}

test('candidates are the enabled trunks of the longest matching prefix, as the definition says', () => {
  const trunks = Array.from({ length: 120 }, (_, t) => outbound(`t${t}`, next(8) === 0 ? [] : Array.from({ length: 1 + next(3) }, () => digits(1 + next(5))), next(5) !== 0));
  const index = new OutboundPrefixIndex(trunks);
  for (let i = 0; i < 5000; i++) {
    const number = digits(1 + next(12));
    assert.deepEqual(index.candidatesFor(number).map((trunk) => trunk.name).sort(), byDefinition(trunks, number), number);
  }
});

test('a route prefix that is not digits is refused', () => {
  assert.throws(() => new OutboundPrefixIndex([outbound('bad', ['85a'])]), (error) => error instanceof RoutingFormatError && /route prefix "85a"/.test(error.message));
});
