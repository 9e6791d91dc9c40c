// The growth steps the routing tables' typed arrays share: columns appended to and doubled when
// full, and open-addressing slots (id + 1 per slot, 0 for empty, linear probing) laid out again
// twice as large once half full.

/** The same values at the start of an array twice as long. */
export function doubled(array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer>;
export function doubled(array: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer>;
export function doubled(array: Int32Array<ArrayBuffer> | Float64Array<ArrayBuffer>): Int32Array<ArrayBuffer> | Float64Array<ArrayBuffer> {
  const larger = array instanceof Int32Array ? new Int32Array(array.length * 2) : new Float64Array(array.length * 2);
  larger.set(array);
  return larger;
}

/** Slots twice as many as `slots`, holding ids 0..count-1 again, each probed for from hashOf(id). */
export function rehashed(slots: Int32Array<ArrayBuffer>, count: number, hashOf: (id: number) => number): Int32Array<ArrayBuffer> {
  const larger = new Int32Array(slots.length * 2);
  const mask = larger.length - 1;
  for (let id = 0; id < count; id++) {
    let slot = hashOf(id) & mask;
    while (larger[slot] !== 0) slot = (slot + 1) & mask;
    larger[slot] = id + 1;
  }
  return larger;
}
