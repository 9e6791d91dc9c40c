// A source address names one trunk across every carrier; the oldest trunk keeps it.
import type { InboundTrunkRoute } from '../../../api/routing/schema.ts';
import { accountUnusable, carrierMissing, SourcePrefixClaims } from './policies.ts';
import { byAge } from './observed.ts';
import type { CompileScope } from './scope.ts';
import { optional } from './values.ts';

export function compileInboundTrunks(scope: CompileScope): void {
  const sourceClaims = new SourcePrefixClaims();
  for (const trunk of [...scope.observed.inboundTrunks].sort(byAge)) {
    const { namespace, name } = trunk.metadata;
    const carrierName = trunk.spec.carrierRef.name;
    const unresolved = carrierMissing(scope.index, namespace, carrierName) ?? accountUnusable(scope.index, namespace, carrierName, trunk.spec.accountRef?.name);
    const { finding: conflict, prefixes } = unresolved ? { finding: undefined, prefixes: [] } : sourceClaims.claim(trunk.spec.sourceIPs, trunk.metadata, carrierName);
    const carrierTables = scope.tablesOf(namespace, carrierName);
    if (!unresolved && !conflict && carrierTables) {
      const { stripPrefix, addPrefix, nationalToE164 } = trunk.spec.numberNormalization;
      const route: InboundTrunkRoute = {
        name, enabled: trunk.spec.enabled, sourceCIDRs: prefixes.map((prefix) => prefix.text),
        ...optional('account', trunk.spec.accountRef?.name),
        normalization: { ...optional('stripPrefix', stripPrefix), ...optional('addPrefix', addPrefix), nationalToE164 },
      };
      carrierTables.inboundTrunks.push(route);
      carrierTables.members.inboundTrunks++;
    }
    scope.write('InboundTrunk', trunk, { unresolved, conflict }, trunk.spec.enabled ? `Admits calls from ${prefixes.map((p) => p.text).join(', ')}.` : 'In routing, disabled: calls from its sources are refused with 403.');
  }
}
