// Which shard holds a number or an account. The operator spreads entries over shards with this
// hash (operator/src/compile/routing.ts, shardIndex), so a lookup reads one shard's index only and
// the assembler rejects a shard holding an entry that belongs elsewhere. The two copies must agree;
// a test compares them.
const offsetBasis = 0x811c9dc5;
const prime = 0x01000193;

/** FNV-1a over the UTF-16 code units of text[start, end). */
export function placementHash(text: string, start = 0, end = text.length): number {
  let hash = offsetBasis;
  for (let i = start; i < end; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, prime);
  }
  return hash >>> 0;
}

export const shardOf = (key: string, shardCount: number): number => placementHash(key) % shardCount;
