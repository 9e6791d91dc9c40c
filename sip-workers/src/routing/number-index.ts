// One shard's numbers → route ids, in a typed array instead of a Map of a million strings: a
// number is stored as a float (see numberKey) next to its route id in an open-addressing table,
// 16 bytes a slot, so a lookup touches one cache line. The few keys that are not "+digits" or
// "digits" (nothing the operator writes today) go to a Map.
import { doubled } from './open-addressing.ts';
import { refOfPending } from './route-refs.ts';

/**
 * "+8551234" → 28551234 and "911" → 1911: a leading 2 for "+" (1 without), then the digits. The
 * marker keeps leading zeros and the "+" apart; 16 digits stay exact in a double. 0 means the text
 * has another shape.
 */
export function numberKey(text: string, start = 0, end = text.length): number {
  let pos = start;
  let key = 1;
  if (text.charCodeAt(pos) === 0x2b) {
    key = 2;
    pos++;
  }
  if (pos === end || end - pos > 15) return 0;
  for (; pos < end; pos++) {
    const digit = text.charCodeAt(pos) - 0x30;
    if (digit < 0 || digit > 9) return 0;
    key = key * 10 + digit;
  }
  return key;
}

function slotOf(key: number, mask: number): number {
  const low = key >>> 0;
  const high = (key / 4294967296) >>> 0;
  let hash = Math.imul(low ^ Math.imul(high, 0x85ebca6b), 0x9e3779b1);
  hash ^= hash >>> 16;
  return hash & mask;
}

export class NumberIndex {
  readonly size: number;
  /** [key, route id] per slot; key 0 marks an empty slot (no number encodes to 0). */
  private readonly slots: Float64Array;
  private readonly mask: number;
  private readonly others: Map<string, number>;

  constructor(slots: Float64Array, others: Map<string, number>, size: number) {
    this.slots = slots;
    this.mask = slots.length / 2 - 1;
    this.others = others;
    this.size = size;
  }

  /** The route id of a number, or -1. */
  routeIdOf(number: string): number {
    const key = numberKey(number);
    return key === 0 ? (this.others.get(number) ?? -1) : this.routeIdOfKey(key);
  }

  routeIdOfKey(key: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let slot = slotOf(key, mask); ; slot = (slot + 1) & mask) {
      const stored = slots[slot * 2];
      if (stored === key) return slots[slot * 2 + 1] ?? -1;
      if (stored === 0) return -1;
    }
  }

  /**
   * Replaces each pending reference (see route-refs.ts) with its route id from `ids`; only a
   * freshly built index holds any.
   */
  resolve(ids: Int32Array): void {
    const slots = this.slots;
    for (let at = 1; at < slots.length; at += 2) {
      const value = slots[at] ?? 0;
      if (value < -1 && slots[at - 1] !== 0) slots[at] = ids[refOfPending(value)] ?? -1;
    }
    for (const [number, value] of this.others) if (value < -1) this.others.set(number, ids[refOfPending(value)] ?? -1);
  }

  /** Whether any number here uses a route id marked 1 in `marks`. */
  usesAnyOf(marks: Uint8Array): boolean {
    const slots = this.slots;
    for (let at = 0; at < slots.length; at += 2) if (slots[at] !== 0 && marks[slots[at + 1] ?? 0] === 1) return true;
    for (const routeId of this.others.values()) if (marks[routeId] === 1) return true;
    return false;
  }

  /** Sets marks[id] = 1 for every route id in use. */
  markRoutes(marks: Uint8Array): void {
    const slots = this.slots;
    for (let at = 0; at < slots.length; at += 2) if (slots[at] !== 0) marks[slots[at + 1] ?? 0] = 1;
    for (const routeId of this.others.values()) marks[routeId] = 1;
  }
}

/** Collects one shard's entries, then lays them out; reused from shard to shard. */
export class NumberIndexBuilder {
  private keys = new Float64Array(8192);
  private ids = new Int32Array(8192);
  private count = 0;
  private others = new Map<string, number>();

  add(key: number, routeId: number): void {
    if (this.count === this.keys.length) {
      this.keys = doubled(this.keys);
      this.ids = doubled(this.ids);
    }
    this.keys[this.count] = key;
    this.ids[this.count++] = routeId;
  }

  addOther(number: string, routeId: number): void {
    this.others.set(number, routeId);
  }

  /** The index of everything added since the last build; a repeated number keeps its last route, as JSON.parse would. */
  build(): NumberIndex {
    let capacity = 16;
    while (capacity < this.count * 1.5) capacity *= 2;
    const slots = new Float64Array(capacity * 2);
    const mask = capacity - 1;
    let size = 0;
    for (let i = 0; i < this.count; i++) {
      const key = this.keys[i] ?? 0;
      let slot = slotOf(key, mask);
      while (slots[slot * 2] !== 0 && slots[slot * 2] !== key) slot = (slot + 1) & mask;
      if (slots[slot * 2] === 0) size++;
      slots[slot * 2] = key;
      slots[slot * 2 + 1] = this.ids[i] ?? -1;
    }
    const index = new NumberIndex(slots, this.others, size + this.others.size);
    this.reset();
    return index;
  }

  reset(): void {
    this.count = 0;
    this.others = new Map();
  }
}
