// Random identifiers (tags, branches, Call-IDs, Call SIDs) from the CSPRNG, drawn from a pool
// filled 4 KiB at a time: a call needs about ten of them, and a randomBytes() call each was ~5%
// of the worker's CPU at 500 calls a second. Every byte is used once, so identifiers stay as
// unpredictable as before (RFC 3261 §19.3 wants tags and branches unguessable).
import { randomFillSync } from 'node:crypto';

const pool = Buffer.allocUnsafe(4096);
let next = pool.length;

/** `bytes` random bytes (at most 256) as lowercase hex. */
export function randomHex(bytes: number): string {
  if (bytes > 256) throw new RangeError('randomHex takes at most 256 bytes');
  if (next + bytes > pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  const start = next;
  next += bytes;
  return pool.toString('hex', start, next);
}
