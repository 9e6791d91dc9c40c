// What explain-route reasons over: the carrier's routing generation as a worker would assemble it
// (the same RoutingView the SIP worker routes with), and the inbound trunks and phone numbers as
// objects with their conditions, because an object left out of routing (in Conflict, with a
// missing reference) is invisible in the generation and only its status says why.
import type { RoutingView } from '../../sip-workers/src/routing/routing-view.ts';

export interface Problem {
  type: string;
  reason: string;
  message: string;
}

interface ObjectFact {
  namespace: string;
  name: string;
  carrier: string;
  /** Why the object is out of routing (its Conflict condition, else a Ready=False), if it is. */
  problem?: Problem;
}

export interface TrunkFact extends ObjectFact {
  sourceIPs: string[];
}

export interface NumberFact extends ObjectFact {
  number: string;
}

export interface RouteEvidence {
  view: RoutingView;
  /** The carrier's namespace. */
  namespace: string;
  /** Every InboundTrunk explain-route can see (all carriers: source ranges are unique across them). */
  trunks: TrunkFact[];
  /** The PhoneNumbers that claim a number, on any carrier of the namespace. */
  numbersClaiming(number: string): Promise<NumberFact[]>;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

/** The Conflict condition if set, else a Ready that is not True: what keeps the object out of routing. */
export function problemOf(status: unknown): Problem | undefined {
  const conditions = ((status ?? {}) as { conditions?: Condition[] }).conditions ?? [];
  const conflict = conditions.find((condition) => condition.type === 'Conflict' && condition.status === 'True');
  const ready = conditions.find((condition) => condition.type === 'Ready');
  const chosen = conflict ?? (ready && ready.status !== 'True' ? ready : undefined);
  return chosen ? { type: chosen.type ?? '', reason: chosen.reason ?? '', message: chosen.message ?? '' } : undefined;
}
