// The pure compile step: observed objects in; desired objects, statuses and events out. No I/O,
// no clock, no randomness of its own: `now` and `randomBytes` come in, so the same input always
// gives the same output and the CLI can run it offline. Each kind has its own step; the order
// matters (accounts before what references them, carriers last).
import { compileAccounts } from './accounts.ts';
import { compileCarriers } from './carriers.ts';
import { conditionsFor, standardConditions } from './conditions.ts';
import { compileInboundTrunks } from './inbound-trunks.ts';
import type { Observed } from './observed.ts';
import { compileOutboundTrunks } from './outbound-trunks.ts';
import { compilePhoneNumbers } from './phone-numbers.ts';
import type { CompileResult } from './result.ts';
import { CompileScope } from './scope.ts';
import { compileSipDomains } from './sip-domains.ts';

export interface CompileContext {
  now: Date;
  randomBytes: (size: number) => Uint8Array;
  images: { sipWorker: string; mediaRelay: string; pushService: string };
}

export function compile(observed: Observed, context: CompileContext): CompileResult {
  const scope = new CompileScope(observed, context);
  compileAccounts(scope);
  compileInboundTrunks(scope);
  compileOutboundTrunks(scope);
  compileSipDomains(scope);
  compilePhoneNumbers(scope);
  const { phases, carriers } = compileCarriers(scope);
  for (const writeAccountStatus of scope.accountStatuses) writeAccountStatus();
  for (const invalid of observed.invalid) {
    const conditions = conditionsFor(standardConditions({ invalid: { reason: 'InvalidSpec', message: invalid.error } }, ''), invalid.status?.conditions, invalid.metadata.generation, context.now);
    scope.collector.add({ kind: invalid.kind, namespace: invalid.metadata.namespace, name: invalid.metadata.name, uid: invalid.metadata.uid }, invalid.status, { observedGeneration: invalid.metadata.generation ?? 0, conditions });
  }
  return { phases, createOnly: scope.createOnly, statuses: scope.collector.statuses, events: scope.collector.events, carriers };
}
