// Carriers come last: their routing and status summarise everything compiled before them.
import type { CompileResult } from './result.ts';
import { carrierStatus } from './carrier-status.ts';
import type { DesiredObject } from './desired.ts';
import { inheritedLabels } from './names.ts';
import type { CarrierObject } from './observed.ts';
import { compileRouting } from './routing.ts';
import { refOf, type CompileScope } from './scope.ts';
import { carrierWorkloads } from './workloads/index.ts';

function carrierForWorkloads(carrier: CarrierObject) {
  const { name, namespace, uid, labels } = carrier.metadata;
  return { metadata: { name, namespace, uid, ...(labels ? { labels } : {}) }, spec: carrier.spec };
}

export function compileCarriers(scope: CompileScope): { phases: DesiredObject[][]; carriers: CompileResult['carriers'] } {
  const phases: DesiredObject[][] = [[], [], []];
  const carriers: CompileResult['carriers'] = [];
  for (const carrier of scope.observed.carriers) {
    const carrierTables = scope.tablesOf(carrier.metadata.namespace, carrier.metadata.name);
    if (!carrierTables) continue;
    const routing = compileRouting(carrier, carrierTables, inheritedLabels(carrier.metadata.labels));
    phases[0]?.push(...routing.shards, routing.workerSecret);
    phases[1]?.push(routing.manifest);
    phases[2]?.push(...carrierWorkloads({ carrier: carrierForWorkloads(carrier), images: scope.context.images, routingShardCount: routing.shards.length, routingConfigChecksum: routing.generation }));
    carriers.push({ namespace: carrier.metadata.namespace, name: carrier.metadata.name, generation: routing.generation, shards: routing.shards.length, largestShardBytes: routing.largestShardBytes, numbers: carrierTables.numbers.size });
    const workers = scope.observed.workers.filter((worker) => worker.namespace === carrier.metadata.namespace && worker.carrier === carrier.metadata.name);
    scope.collector.add(refOf('Carrier', carrier), carrier.status, carrierStatus(carrier, routing.generation, carrierTables.members, workers, scope.context.now));
  }
  return { phases, carriers };
}
