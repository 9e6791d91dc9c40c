import type { Condition } from './conditions.ts';
import type { DesiredObject } from './desired.ts';

export interface ObjectRef {
  kind: string;
  namespace: string;
  name: string;
  uid: string;
}

/** A status to write, emitted only when it differs from the observed one. */
export interface StatusUpdate extends ObjectRef {
  status: Record<string, unknown> & { conditions: Condition[] };
}

/** A Kubernetes Event for a meaningful transition (Ready flipped, a conflict appeared or cleared). */
export interface TransitionEvent {
  regarding: ObjectRef;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface CarrierSummary {
  namespace: string;
  name: string;
  generation: string;
  shards: number;
  largestShardBytes: number;
  numbers: number;
  /** Certificates the Carrier's pods use that passed the operator's checks, with when they expire. */
  certificateExpiries: Array<{ certificate: 'sip-tls' | 'apns'; expiry: Date }>;
}

export interface CompileResult {
  /** Applied in order: routing data first, then the manifest that makes it live, then workloads. */
  phases: DesiredObject[][];
  /** Created when absent and never updated: auth tokens must never be regenerated. */
  createOnly: DesiredObject[];
  statuses: StatusUpdate[];
  events: TransitionEvent[];
  carriers: CarrierSummary[];
}
