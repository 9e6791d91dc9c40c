import type { OutboundTrunkRoute } from '../../../api/routing/schema.ts';
import { compositeUsername, digestCredential } from './credentials.ts';
import { names } from './names.ts';
import { carrierMissing, secretKeyMissing } from './policies.ts';
import { byAge } from './observed.ts';
import type { CompileScope } from './scope.ts';
import { optional } from './values.ts';

export function compileOutboundTrunks(scope: CompileScope): void {
  for (const trunk of [...scope.observed.outboundTrunks].sort(byAge)) {
    const { namespace, name } = trunk.metadata;
    const credentials = trunk.spec.credentials;
    const unresolved = carrierMissing(scope.index, namespace, trunk.spec.carrierRef.name) ?? (credentials ? secretKeyMissing(scope.index, namespace, credentials.passwordSecretRef, `password of OutboundTrunk ${name}`) : undefined);
    const carrierTables = scope.tablesOf(namespace, trunk.spec.carrierRef.name);
    if (!unresolved && carrierTables) {
      const route: OutboundTrunkRoute = {
        name, enabled: trunk.spec.enabled, host: trunk.spec.host, port: trunk.spec.port, transport: trunk.spec.transport,
        dialString: trunk.spec.dialString, routePrefixes: trunk.spec.routePrefixes, priority: trunk.spec.priority, weight: trunk.spec.weight,
        stopFailoverCodes: trunk.spec.stopFailoverCodes, hasCredentials: credentials !== undefined, ...optional('callerIdOverride', trunk.spec.callerIdOverride),
        ...optional('healthCheck', trunk.spec.healthCheck),
      };
      carrierTables.outboundTrunks.push(route);
      carrierTables.members.outboundTrunks++;
      if (credentials) {
        const password = scope.observed.secrets.get(`${namespace}/${credentials.passwordSecretRef.name}`)?.data[credentials.passwordSecretRef.key] ?? '';
        carrierTables.secrets.outboundTrunks[name] = digestCredential(compositeUsername(credentials.username, credentials.domain), credentials.realm ?? trunk.spec.host, password);
      }
    }
    const prefixes = trunk.spec.routePrefixes.length > 0 ? trunk.spec.routePrefixes.map((p) => `+${p}`).join(', ') : 'every number';
    scope.write('OutboundTrunk', trunk, { unresolved }, `Carries ${prefixes} to ${trunk.spec.host}:${trunk.spec.port}/${trunk.spec.transport}.`, credentials ? { credentialsSecret: names.workerSecrets(trunk.spec.carrierRef.name) } : {});
  }
}
