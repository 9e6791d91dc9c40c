// The route keys numbers refer to while a generation is compiled. A number's route may live in any
// shard's routes dictionary, so a compiled number first holds a pending reference (its key's index
// here) and gets its route id once every shard is compiled (NumberIndex.resolve).
//
// A key is read straight from the shard text as the two 32-bit halves its 16 hex digits spell and
// found in an integer hash table: a million numbers each cost a few arithmetic steps, where a Map
// of key strings would hash every key's text again.
import { doubled, rehashed } from './open-addressing.ts';
import type { CompiledShard } from './shard-compiler.ts';
import { shardOf } from './shard-placement.ts';

/** How a pending reference is stored where a route id goes: ids are ≥ 0 and -1 means none. */
export const pendingRef = (ref: number): number => -2 - ref;
export const refOfPending = (value: number): number => -2 - value;

/** The value of a lowercase hex digit, or -1. */
function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

const hashOf = (high: number, low: number) => {
  const hash = Math.imul(high ^ Math.imul(low, 0x85ebca6b), 0x9e3779b1);
  return hash ^ (hash >>> 15);
};

export class RouteRefs {
  private highs = new Int32Array(256);
  private lows = new Int32Array(256);
  private count = 0;
  /** Open addressing: ref + 1 per slot, 0 for empty. */
  private slots = new Int32Array(512);
  private mask = 511;

  /**
   * The index of the route key in text[start, start + 16), or -1 when those are not 16 lowercase
   * hex digits (the routeKey schema).
   */
  refer(text: string, start: number, end: number): number {
    if (end - start !== 16) return -1;
    let high = 0;
    let low = 0;
    for (let at = 0; at < 16; at++) {
      const digit = hexDigit(text.charCodeAt(start + at));
      if (digit < 0) return -1;
      if (at < 8) high = (high << 4) | digit;
      else low = (low << 4) | digit;
    }
    for (let slot = hashOf(high, low) & this.mask; ; slot = (slot + 1) & this.mask) {
      const entry = this.slots[slot] ?? 0;
      if (entry === 0) return this.add(high, low, slot);
      if (this.highs[entry - 1] === high && this.lows[entry - 1] === low) return entry - 1;
    }
  }

  keyOf(ref: number): string {
    const hex = (value: number) => (value >>> 0).toString(16).padStart(8, '0');
    return hex(this.highs[ref] ?? 0) + hex(this.lows[ref] ?? 0);
  }

  /**
   * Each key's route id, from the dictionary of the shard the key hashes to; undefinedKey names
   * the first key no shard defines.
   */
  resolve(shards: readonly CompiledShard[]): Int32Array | { undefinedKey: string; shard: number } {
    const ids = new Int32Array(this.count);
    for (let ref = 0; ref < this.count; ref++) {
      const key = this.keyOf(ref);
      const shard = shardOf(key, shards.length);
      const id = shards[shard]?.routes.get(key);
      if (id === undefined) return { undefinedKey: key, shard };
      ids[ref] = id;
    }
    return ids;
  }

  private add(high: number, low: number, slot: number): number {
    const ref = this.count++;
    if (ref === this.highs.length) {
      this.highs = doubled(this.highs);
      this.lows = doubled(this.lows);
    }
    this.highs[ref] = high;
    this.lows[ref] = low;
    this.slots[slot] = ref + 1;
    if (this.count * 2 > this.slots.length) this.grow();
    return ref;
  }

  private grow(): void {
    this.slots = rehashed(this.slots, this.count, (ref) => hashOf(this.highs[ref] ?? 0, this.lows[ref] ?? 0));
    this.mask = this.slots.length - 1;
  }
}
