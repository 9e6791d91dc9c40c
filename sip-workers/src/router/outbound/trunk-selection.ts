// The order in which a call tries its outbound trunks: ascending priority, and within a priority
// a weighted random order as RFC 2782 orders SRV targets, so traffic splits in proportion to
// weight over many calls while each call still gets every trunk once.

export interface Weighted {
  priority: number;
  weight: number;
}

/**
 * Picks by weight, removes the pick, repeats. Weight-0 trunks come after all weighted ones, in
 * uniform random order among themselves: they are standbys, not a tiny share (RFC 2782 would
 * still give them an occasional first place; operators setting 0 expect never).
 * `random` returns [0, 1) like Math.random; inject it for deterministic tests.
 */
export function orderTrunkAttempts<T extends Weighted>(candidates: readonly T[], random: () => number = Math.random): T[] {
  const byPriority = new Map<number, T[]>();
  for (const trunk of candidates) {
    const group = byPriority.get(trunk.priority);
    if (group) group.push(trunk);
    else byPriority.set(trunk.priority, [trunk]);
  }
  const ordered: T[] = [];
  for (const priority of [...byPriority.keys()].sort((a, b) => a - b)) {
    const group = byPriority.get(priority) ?? [];
    ordered.push(...weightedOrder(group.filter((t) => t.weight > 0), (t) => t.weight, random));
    ordered.push(...weightedOrder(group.filter((t) => t.weight <= 0), () => 1, random));
  }
  return ordered;
}

function weightedOrder<T>(pool: T[], weightOf: (item: T) => number, random: () => number): T[] {
  const remaining = [...pool];
  const out: T[] = [];
  let total = remaining.reduce((sum, item) => sum + weightOf(item), 0);
  while (remaining.length > 0) {
    const target = random() * total;
    let index = 0;
    let running = weightOf(remaining[0] as T);
    // Floating point can leave target a hair above the last running sum; the last item then takes it.
    while (running <= target && index < remaining.length - 1) {
      index++;
      running += weightOf(remaining[index] as T);
    }
    const [picked] = remaining.splice(index, 1) as [T];
    out.push(picked);
    total -= weightOf(picked);
  }
  return out;
}
