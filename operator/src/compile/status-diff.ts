import type { Condition } from './conditions.ts';
import type { ObjectRef, StatusUpdate, TransitionEvent } from './result.ts';

/** JSON with sorted keys, so two statuses compare equal whatever order their fields came in. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

/** Whether two JSON values serialise to the same canonical JSON, without serialising them (this runs for every changed object). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((value, i) => sameJson(value, b[i]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  // Like JSON.stringify, a property holding undefined counts as absent.
  const keys = (record: Record<string, unknown>) => Object.keys(record).filter((key) => record[key] !== undefined);
  const leftKeys = keys(left);
  if (leftKeys.length !== keys(right).length) return false;
  return leftKeys.every((key) => Object.hasOwn(right, key) && sameJson(left[key], right[key]));
}

const statusOf = (conditions: Condition[] | undefined, type: string) => conditions?.find((condition) => condition.type === type);

/**
 * A Carrier's credentials (push keys, the SIP TLS certificate) and its event webhook: a refused,
 * missing or expired one is news, and so is its repair (for push, the first word that the gateways take the keys: after a
 * repair, the new pods report Unknown before their first push succeeds).
 */
function credentialTransitions(ref: ObjectRef, before: Condition[] | undefined, after: Condition[], conditionType: string): TransitionEvent[] {
  const now = statusOf(after, conditionType);
  const was = statusOf(before, conditionType);
  if (now?.status === 'False' && (was?.status !== 'False' || was.reason !== now.reason)) return [{ regarding: ref, type: 'Warning', reason: now.reason, message: now.message }];
  if (now?.status === 'True' && was !== undefined && was.status !== 'True') return [{ regarding: ref, type: 'Normal', reason: now.reason, message: now.message }];
  return [];
}

/** A trunk going down is news, and so is its return; workers starting up (Unknown → True) are not. */
function reachabilityTransitions(ref: ObjectRef, before: Condition[] | undefined, after: Condition[]): TransitionEvent[] {
  const now = statusOf(after, 'Reachable');
  const was = statusOf(before, 'Reachable');
  if (now?.status === 'False' && was?.status !== 'False') return [{ regarding: ref, type: 'Warning', reason: now.reason, message: now.message }];
  if (now?.status === 'True' && was?.status === 'False') return [{ regarding: ref, type: 'Normal', reason: now.reason, message: now.message }];
  return [];
}

/** The events worth telling a human about, from the difference between two condition sets. */
export function transitions(ref: ObjectRef, before: Condition[] | undefined, after: Condition[]): TransitionEvent[] {
  const events: TransitionEvent[] = [];
  const ready = statusOf(after, 'Ready');
  const wasReady = statusOf(before, 'Ready');
  // An object's first Ready=True is not news (100,000 imported numbers would mean 100,000 events);
  // failures, and recoveries from them, are.
  const firstReady = !wasReady && ready?.status === 'True';
  if (ready && !firstReady && (wasReady?.status !== ready.status || (ready.status === 'False' && wasReady.reason !== ready.reason))) {
    events.push({ regarding: ref, type: ready.status === 'True' ? 'Normal' : 'Warning', reason: ready.reason, message: ready.message });
  }
  for (const credential of ['PushCredentialsValid', 'SipTlsCertificateValid', 'EventWebhookDelivering']) events.push(...credentialTransitions(ref, before, after, credential));
  events.push(...reachabilityTransitions(ref, before, after));
  const conflict = statusOf(after, 'Conflict');
  const hadConflict = statusOf(before, 'Conflict');
  if (conflict && !hadConflict) events.push({ regarding: ref, type: 'Warning', reason: conflict.reason, message: conflict.message });
  if (!conflict && hadConflict?.status === 'True') events.push({ regarding: ref, type: 'Normal', reason: 'ConflictResolved', message: `No longer conflicts: ${hadConflict.message}` });
  return events;
}

/** Collects statuses that changed and the events their transitions deserve. */
export class StatusCollector {
  readonly statuses: StatusUpdate[] = [];
  readonly events: TransitionEvent[] = [];

  add(ref: ObjectRef, previous: { conditions?: Condition[] } | undefined, status: StatusUpdate['status']): void {
    if (sameJson(previous ?? {}, status)) return;
    this.statuses.push({ ...ref, status });
    this.events.push(...transitions(ref, previous?.conditions, status.conditions));
  }
}
