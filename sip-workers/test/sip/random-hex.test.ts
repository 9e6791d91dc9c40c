// Identifiers from the pooled CSPRNG: the asked length, hex, and no byte handed out twice across refills.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomHex } from '../../src/sip/random-hex.ts';

test('randomHex gives fresh hex of the asked length across many pool refills', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 20_000; i++) {
    const value = randomHex(12);
    assert.match(value, /^[0-9a-f]{24}$/);
    seen.add(value);
  }
  assert.equal(seen.size, 20_000, '240,000 bytes (about 60 refills of the 4 KiB pool) and no identifier twice');
  assert.equal(randomHex(256).length, 512);
  assert.throws(() => randomHex(257), RangeError);
});
