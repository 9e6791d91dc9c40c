// One shard's numbers → route ids, in two typed arrays instead of a Map of a million strings: a
// number is stored as a float (see numberKey) in an open-addressing table, 12 bytes a slot. The
// few keys that are not "+digits" or "digits" (nothing the operator writes today) go to a Map.

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
  /** 0 marks an empty slot: no key encodes to 0. */
  private readonly keys: Float64Array;
  private readonly routeIds: Int32Array;
  private readonly mask: number;
  private readonly others: ReadonlyMap<string, number>;

  constructor(keys: Float64Array, routeIds: Int32Array, others: ReadonlyMap<string, number>, size: number) {
    this.keys = keys;
    this.routeIds = routeIds;
    this.mask = keys.length - 1;
    this.others = others;
    this.size = size;
  }

  /** The route id of a number, or -1. */
  routeIdOf(number: string): number {
    const key = numberKey(number);
    return key === 0 ? (this.others.get(number) ?? -1) : this.routeIdOfKey(key);
  }

  routeIdOfKey(key: number): number {
    const keys = this.keys;
    const mask = this.mask;
    for (let slot = slotOf(key, mask); ; slot = (slot + 1) & mask) {
      const stored = keys[slot];
      if (stored === key) return this.routeIds[slot] ?? -1;
      if (stored === 0) return -1;
    }
  }

  /** Sets marks[id] = 1 for every route id in use. */
  markRoutes(marks: Uint8Array): void {
    const { keys, routeIds } = this;
    for (let slot = 0; slot < keys.length; slot++) if (keys[slot] !== 0) marks[routeIds[slot] ?? 0] = 1;
    for (const routeId of this.others.values()) marks[routeId] = 1;
  }

  /** Bytes held by the typed arrays (the fallback Map is not counted). */
  get byteLength(): number {
    return this.keys.byteLength + this.routeIds.byteLength;
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
      const keys = new Float64Array(this.keys.length * 2);
      keys.set(this.keys);
      this.keys = keys;
      const ids = new Int32Array(this.ids.length * 2);
      ids.set(this.ids);
      this.ids = ids;
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
    const keys = new Float64Array(capacity);
    const routeIds = new Int32Array(capacity);
    const mask = capacity - 1;
    let size = 0;
    for (let i = 0; i < this.count; i++) {
      const key = this.keys[i] ?? 0;
      let slot = slotOf(key, mask);
      while (keys[slot] !== 0 && keys[slot] !== key) slot = (slot + 1) & mask;
      if (keys[slot] === 0) size++;
      keys[slot] = key;
      routeIds[slot] = this.ids[i] ?? -1;
    }
    const index = new NumberIndex(keys, routeIds, this.others, size + this.others.size);
    this.reset();
    return index;
  }

  reset(): void {
    this.count = 0;
    this.others = new Map();
  }
}
