// The compile step as the operator runs it, pass after pass. The small kinds (carriers, accounts,
// trunks, domains) are compiled in full every pass; PhoneNumbers only where they changed, unless
// something they depend on (a carrier or an account, its routing) changed, or a full pass is asked
// for (the first one, a resync). Each carrier's shards are re-serialised only where they changed.
// Pure in the sense that matters: the output for an input is the same as a fresh compile's.
import { compileAccounts } from './accounts.ts';
import { compileCarriers } from './carriers.ts';
import type { CompileContext } from './compile.ts';
import { conditionsFor, standardConditions } from './conditions.ts';
import { compileInboundTrunks } from './inbound-trunks.ts';
import type { InvalidObject, ObservedView } from './observed.ts';
import { compileOutboundTrunks } from './outbound-trunks.ts';
import { PhoneNumberIndex } from './phone-number-index.ts';
import type { CompileResult } from './result.ts';
import type { CarrierRouting } from './routing.ts';
import { CompileScope } from './scope.ts';
import { compileSipDomains } from './sip-domains.ts';

export interface Changes {
  /** Compile every PhoneNumber again (the first pass, a resync). */
  full: boolean;
  /** PhoneNumbers (namespace/name) created, changed or deleted since the last pass. */
  phoneNumbers: Iterable<string>;
}

/** Everything a PhoneNumber's compile reads besides itself: which carriers exist, and each account's carrier and route. */
function numberInputs(scope: CompileScope): string {
  const carriers = [...scope.index.carriers.keys()].sort();
  const accounts = [...scope.index.accounts.entries()]
    .map(([key, account]) => [key, account.spec.carrierRef.name, scope.routedAccount(account.metadata.namespace, account.spec.carrierRef.name, account.metadata.name) ?? null] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([carriers, accounts]);
}

function writeInvalid(scope: CompileScope, invalid: InvalidObject): void {
  const conditions = conditionsFor(standardConditions({ invalid: { reason: 'InvalidSpec', message: invalid.error } }, ''), invalid.status?.conditions, invalid.metadata.generation, scope.context.now);
  scope.collector.add({ kind: invalid.kind, namespace: invalid.metadata.namespace, name: invalid.metadata.name, uid: invalid.metadata.uid }, invalid.status, { observedGeneration: invalid.metadata.generation ?? 0, conditions });
}

export class IncrementalCompiler {
  private readonly numbers = new PhoneNumberIndex();
  private readonly routings = new Map<string, CarrierRouting>();
  private inputs: string | undefined;

  compile(observed: ObservedView, changes: Changes, context: CompileContext): CompileResult {
    const scope = new CompileScope(observed, context);
    // Accounts come first: numbers and domains need their SIDs, tokens and enabled flags.
    compileAccounts(scope);
    compileInboundTrunks(scope);
    compileOutboundTrunks(scope);
    compileSipDomains(scope);

    const inputs = numberInputs(scope);
    const full = changes.full || inputs !== this.inputs;
    this.inputs = inputs;
    if (full) {
      this.numbers.rebuild(scope, observed.phoneNumbers);
      for (const invalid of observed.invalidPhoneNumbers.values()) writeInvalid(scope, invalid);
    } else {
      const keys = [...changes.phoneNumbers];
      this.numbers.update(scope, observed.phoneNumbers, keys);
      for (const key of keys) {
        const invalid = observed.invalidPhoneNumbers.get(key);
        if (invalid) writeInvalid(scope, invalid);
      }
    }
    scope.numbersPerAccount = this.numbers.perAccount;

    // Carriers come last: their routing and status summarise everything compiled before them.
    const { phases, carriers } = compileCarriers(scope, this.numbers, this.routings);
    for (const writeAccountStatus of scope.accountStatuses) writeAccountStatus();
    for (const invalid of observed.invalid) writeInvalid(scope, invalid);
    return { phases, createOnly: scope.createOnly, statuses: scope.collector.statuses, events: scope.collector.events, carriers };
  }
}
