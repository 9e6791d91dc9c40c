// Whether an outbound trunk answers its OPTIONS probes (trunk-probes.ts sends them): a trunk is up
// until `failureThreshold` probes in a row go unanswered or get 503, and up again at the first
// answer. One lost datagram never takes a trunk out; one answer brings it back at once, since a
// trunk wrongly kept down costs every call a detour while a trunk wrongly up costs one timeout.

export interface TrunkHealth {
  up: boolean;
  /** Failed probes in a row. */
  failures: number;
}

export const unprobedHealth: TrunkHealth = { up: true, failures: 0 };

/** 503 says the trunk takes no calls now; any other answer (404 or 405 to OPTIONS included) proves it is there. */
export const probeAnswered = (status: number) => status !== 503;

export function afterProbe(health: TrunkHealth, answered: boolean, failureThreshold: number): TrunkHealth {
  if (answered) return { up: true, failures: 0 };
  const failures = health.failures + 1;
  return { up: health.up && failures < failureThreshold, failures };
}
