// Conditions as in metav1.Condition. A condition keeps its lastTransitionTime while its status is
// unchanged, so an unchanged object compiles to an identical status and costs no write.
export type ConditionType = 'Ready' | 'Accepted' | 'ResolvedRefs' | 'Conflict' | 'Programmed' | 'PushCredentialsValid' | 'SipTlsCertificateValid' | 'EventWebhookDelivering' | 'Reachable';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface Finding {
  reason: string;
  message: string;
}

export interface ConditionInput {
  type: ConditionType;
  status: Condition['status'];
  reason: string;
  message: string;
}

export function conditionsFor(inputs: ConditionInput[], previous: Condition[] | undefined, generation: number | undefined, now: Date): Condition[] {
  return inputs.map((input) => {
    const before = previous?.find((condition) => condition.type === input.type);
    const lastTransitionTime = before && before.status === input.status ? before.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    return { ...input, lastTransitionTime, ...(generation === undefined ? {} : { observedGeneration: generation }) };
  });
}

/**
 * The standard set: Accepted (the spec makes sense), ResolvedRefs (what it points at exists),
 * Conflict (only when it collides with an earlier object) and Ready (in routing).
 */
export function standardConditions(findings: { invalid?: Finding; unresolved?: Finding; conflict?: Finding; notReady?: Finding }, readyMessage: string): ConditionInput[] {
  const { invalid, unresolved, conflict, notReady } = findings;
  const inputs: ConditionInput[] = [
    invalid ? { type: 'Accepted', status: 'False', ...invalid } : { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'The spec is valid.' },
    unresolved ? { type: 'ResolvedRefs', status: 'False', ...unresolved } : { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: 'Every reference resolves.' },
  ];
  if (conflict) inputs.push({ type: 'Conflict', status: 'True', ...conflict });
  const blocker = invalid ?? unresolved ?? conflict ?? notReady;
  inputs.push(blocker ? { type: 'Ready', status: 'False', ...blocker } : { type: 'Ready', status: 'True', reason: 'Routed', message: readyMessage });
  return inputs;
}
