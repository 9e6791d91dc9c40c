// A call lives in the replica that handles it. A replica that dies without hanging up its calls
// (SIGKILL, out of memory, its node lost) would leave their records in Redis reading live until
// they expire, hours later. So each replica stamps a heartbeat in Redis while it runs (its run's
// instance and the time), and a replica reading another's live call judges it by the owner's
// heartbeat: a stale one, or one stamped by a later run at the same address, means the owner is
// gone and the call went with it, as far as anyone can tell when the owner was last seen.
//
// Judged on every read rather than written back: an owner cut off from Redis for a while (its
// heartbeat stale, its calls going on) reads live again as soon as it stamps the next one.
import { z } from 'zod';
import type { CallRecord } from '../calls/call-ledger.ts';
import { isFinal } from '../calls/call-ledger.ts';

// Parsed at the boundary: another worker version may have written it.
export const ownerHeartbeat = z.object({ instance: z.string(), seenAt: z.number() });
export type OwnerHeartbeat = z.infer<typeof ownerHeartbeat>;

/**
 * How often a replica stamps its heartbeat; after how long without one its calls read ended; and
 * after how long another replica ends them for good and posts their status callbacks, which a
 * replica merely cut off from Redis for a while would post again at the call's true end.
 */
export interface HeartbeatTiming {
  renewMs: number;
  goneAfterMs: number;
  reapAfterMs: number;
}

/** Three stamps may be missed (a Redis blip, a long GC pause) before a replica's calls read ended; twelve before they are ended. */
export const DEFAULT_HEARTBEAT: HeartbeatTiming = { renewMs: 5000, goneAfterMs: 15_000, reapAfterMs: 60_000 };

/**
 * The call as it stands, given the run that wrote its record (`instance`) and the heartbeat in
 * Redis for the worker named in the record (undefined: none). A live call whose owner is gone
 * ended when the owner was last seen: completed if it had been answered, failed if not.
 */
export function callAsOwnerLeftIt(call: CallRecord, instance: string | undefined, heartbeat: OwnerHeartbeat | undefined, now: number, goneAfterMs: number): CallRecord {
  // Written by a worker that stamps no heartbeat (an earlier version, mid-upgrade): nothing to judge it by.
  if (isFinal(call.status) || instance === undefined) return call;
  // Without a heartbeat of the run that wrote it, that run's last write of the call is its last sign of life.
  const lastSeen = heartbeat?.instance === instance ? heartbeat.seenAt : call.updatedAt;
  if (now - lastSeen <= goneAfterMs) return call;
  const endedAt = Math.max(call.updatedAt, lastSeen);
  return { ...call, status: call.answeredAt === undefined ? 'failed' : 'completed', endedAt, updatedAt: endedAt };
}
