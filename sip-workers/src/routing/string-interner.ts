// One copy of each distinct string (account names, webhook URLs) however many numbers share it.
// Strings are looked up straight from their place in the shard text, so a repeat costs a hash and
// a compare and allocates nothing.
import { doubled, rehashed } from './open-addressing.ts';
import { placementHash } from './shard-placement.ts';

export class StringInterner {
  readonly values: string[] = [];
  /** Each value's hash, to lay the slots out again when they grow. */
  private hashes = new Int32Array(1024);
  /** Open addressing: id + 1 per slot, 0 for empty. */
  private slots = new Int32Array(1024);
  private mask = 1023;

  get size(): number {
    return this.values.length;
  }

  /**
   * The id of a JSON string's content, text[start, end), holding no escapes (the quotes sit at
   * start - 1 and end). A new string is stored as a fresh copy, never a slice that would keep the
   * whole shard text alive.
   */
  internQuoted(text: string, start: number, end: number): number {
    const hash = placementHash(text, start, end);
    const found = this.probe(text, start, end, hash);
    return found >= 0 ? found : this.add(JSON.parse(text.slice(start - 1, end + 1)) as string, hash, ~found);
  }

  intern(value: string): number {
    const hash = placementHash(value);
    const found = this.probe(value, 0, value.length, hash);
    return found >= 0 ? found : this.add(value, hash, ~found);
  }

  /** The id when present, else ~slot of the empty slot where it belongs. */
  private probe(text: string, start: number, end: number, hash: number): number {
    const length = end - start;
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const entry = this.slots[slot] ?? 0;
      if (entry === 0) return ~slot;
      const candidate = this.values[entry - 1] ?? '';
      if (candidate.length === length && text.startsWith(candidate, start)) return entry - 1;
    }
  }

  private add(value: string, hash: number, slot: number): number {
    const id = this.values.length;
    this.values.push(value);
    if (id === this.hashes.length) this.hashes = doubled(this.hashes);
    this.hashes[id] = hash;
    this.slots[slot] = id + 1;
    if (this.values.length * 2 > this.slots.length) this.grow();
    return id;
  }

  private grow(): void {
    this.slots = rehashed(this.slots, this.values.length, (id) => this.hashes[id] ?? 0);
    this.mask = this.slots.length - 1;
  }
}
