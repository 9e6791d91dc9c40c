// A pass whose writes failed must not tell users their objects are Ready. The compile decides
// statuses before anything is written, so when a write fails those statuses are held back and
// each Carrier whose objects did not land says so instead (Ready=False, ApplyFailed), with the
// API server's answer in the message: a 403 from missing RBAC is then visible on the object.
import type { CarrierObject } from '../compile/observed.ts';
import type { Condition } from '../compile/conditions.ts';
import type { DesiredObject } from '../compile/desired.ts';
import { carrierLabel } from '../compile/names.ts';
import type { StatusUpdate, TransitionEvent } from '../compile/result.ts';
import { keyOf } from './applier.ts';

export interface FailedWrite {
  key: string;
  error: Error;
}

const firstLine = (error: Error) => (error.message.split('\n')[0] ?? '').slice(0, 300);

export function applyFailure(failed: FailedWrite[], desired: DesiredObject[], carriers: CarrierObject[], compiled: StatusUpdate[], now: Date): { statuses: StatusUpdate[]; events: TransitionEvent[] } {
  const carrierOf = new Map(desired.map((object) => [keyOf(object.kind, object.metadata.namespace, object.metadata.name), `${object.metadata.namespace}/${object.metadata.labels?.[carrierLabel] ?? ''}`]));
  const failuresByCarrier = new Map<string, FailedWrite[]>();
  for (const failure of failed) {
    const carrier = carrierOf.get(failure.key);
    if (carrier) failuresByCarrier.set(carrier, [...(failuresByCarrier.get(carrier) ?? []), failure]);
  }
  const statuses: StatusUpdate[] = [];
  const events: TransitionEvent[] = [];
  for (const carrier of carriers) {
    const failures = failuresByCarrier.get(`${carrier.metadata.namespace}/${carrier.metadata.name}`);
    const first = failures?.[0];
    if (!failures || !first) continue;
    const ref = { kind: 'Carrier', namespace: carrier.metadata.namespace, name: carrier.metadata.name, uid: carrier.metadata.uid };
    const base = compiled.find((update) => update.kind === 'Carrier' && update.namespace === ref.namespace && update.name === ref.name)?.status
      ?? (carrier.status as StatusUpdate['status'] | undefined)
      ?? { conditions: [] };
    const before = base.conditions.find((condition) => condition.type === 'Ready');
    const message = `Writing ${first.key} failed: ${firstLine(first.error)}${failures.length > 1 ? ` (and ${failures.length - 1} more writes)` : ''}; retrying with backoff.`;
    const ready: Condition = {
      type: 'Ready',
      status: 'False',
      reason: 'ApplyFailed',
      message,
      lastTransitionTime: before?.status === 'False' ? before.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      ...(carrier.metadata.generation === undefined ? {} : { observedGeneration: carrier.metadata.generation }),
    };
    statuses.push({ ...ref, status: { ...base, conditions: [...base.conditions.filter((condition) => condition.type !== 'Ready'), ready] } });
    if (before?.reason !== 'ApplyFailed') events.push({ regarding: ref, type: 'Warning', reason: 'ApplyFailed', message });
  }
  return { statuses, events };
}
