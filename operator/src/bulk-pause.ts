// A pass that rewrote most of what it routes because thousands of new numbers arrived is a bulk
// import: the next pass waits as long as those writes took, so that the import publishes a
// generation every few seconds and leaves the API server half its time for statuses, instead of
// rewriting every shard back to back.
//
// Edits never cause a pause, however many shards a pass touched: under load a slow pass gathers
// hundreds of edits, the next one then touches most shards, and a pause there would make every
// edit behind it wait seconds more (the edit-latency benchmark's multi-second p99 came from that).
// New numbers are told from edits by generation 1 and no status yet.

/**
 * New numbers in one pass from which it counts as a bulk import. Low on purpose: an import at
 * ~300 numbers/s brings a few hundred per pass, and with a higher bar its passes ran back to back
 * and statuses trickled (4,000 of 100,000 written by the last apply, against 44,000 with the pause).
 * Edits bring none, so any bar above zero keeps them apart.
 */
export const bulkImportNumbers = 100;
const maxPauseMs = 10_000;

export interface PassShape {
  /** Objects the applier wrote, and how many the pass desired in all. */
  written: number;
  desired: number;
  /** PhoneNumbers in the pass that were created since the last one (generation 1, no status). */
  newNumbers: number;
  applyMs: number;
}

export function bulkPause(pass: PassShape): number {
  const bulk = pass.newNumbers >= bulkImportNumbers && pass.written * 2 > pass.desired;
  return bulk ? Math.min(pass.applyMs, maxPauseMs) : 0;
}
