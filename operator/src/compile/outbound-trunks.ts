import type { OutboundTrunkRoute } from '../../../api/routing/schema.ts';
import type { ConditionInput } from './conditions.ts';
import type { WorkerReport } from './observed.ts';
import { credentialUnresolved, resolvedCredential } from './credential-secrets.ts';
import { compositeUsername } from './credentials.ts';
import { names } from './names.ts';
import { carrierMissing } from './policies.ts';
import { byAge } from './observed.ts';
import type { CompileScope } from './scope.ts';
import { optional } from './values.ts';

export function compileOutboundTrunks(scope: CompileScope): void {
  for (const trunk of [...scope.observed.outboundTrunks].sort(byAge)) {
    const { namespace, name } = trunk.metadata;
    const credentials = trunk.spec.credentials;
    const unresolved = carrierMissing(scope.index, namespace, trunk.spec.carrierRef.name) ?? (credentials ? credentialUnresolved(scope.index, namespace, credentials, `OutboundTrunk ${name}`) : undefined);
    const carrierTables = scope.tablesOf(namespace, trunk.spec.carrierRef.name);
    if (!unresolved && carrierTables) {
      const route: OutboundTrunkRoute = {
        name, enabled: trunk.spec.enabled, host: trunk.spec.host, ...optional('port', trunk.spec.port), transport: trunk.spec.transport,
        dialString: trunk.spec.dialString, routePrefixes: trunk.spec.routePrefixes, priority: trunk.spec.priority, weight: trunk.spec.weight,
        stopFailoverCodes: trunk.spec.stopFailoverCodes, hasCredentials: credentials !== undefined, ...optional('callerIdOverride', trunk.spec.callerIdOverride),
        ...optional('healthCheck', trunk.spec.healthCheck),
      };
      carrierTables.outboundTrunks.push(route);
      carrierTables.members.outboundTrunks++;
      if (credentials) {
        carrierTables.secrets.outboundTrunks[name] = resolvedCredential(scope.observed.secrets, namespace, credentials, compositeUsername(credentials.username, credentials.domain), credentials.realm ?? trunk.spec.host);
      }
    }
    const prefixes = trunk.spec.routePrefixes.length > 0 ? trunk.spec.routePrefixes.map((p) => `+${p}`).join(', ') : 'every number';
    const probed = trunk.spec.healthCheck && !unresolved && trunk.spec.enabled;
    const reachable = probed ? [reachability(name, scope.observed.workers.filter((worker) => worker.ready && worker.namespace === namespace && worker.carrier === trunk.spec.carrierRef.name))] : [];
    scope.write('OutboundTrunk', trunk, { unresolved }, `Carries ${prefixes} to ${trunk.spec.host}${trunk.spec.port === undefined ? ' (located by DNS SRV)' : `:${trunk.spec.port}`}/${trunk.spec.transport}.`, credentials ? { credentialsSecret: names.workerSecrets(trunk.spec.carrierRef.name) } : {}, reachable);
  }
}

/**
 * Reachable, for a trunk with a health check: what the ready workers' OPTIONS probes found, as
 * their Leases report it. Each worker probes on its own, so a trunk may be down for some only
 * (a network path, one node's egress); the message names them.
 */
function reachability(trunk: string, workers: readonly WorkerReport[]): ConditionInput {
  if (workers.length === 0) return { type: 'Reachable', status: 'Unknown', reason: 'NoReadyWorkers', message: 'No ready SIP worker probes the trunk yet.' };
  const down = workers.filter((worker) => worker.trunksDown.includes(trunk)).map((worker) => worker.pod).sort();
  if (down.length === 0) return { type: 'Reachable', status: 'True', reason: 'Answering', message: `The trunk answers the OPTIONS probes of all ${workers.length} ready workers.` };
  return {
    type: 'Reachable', status: 'False', reason: 'HealthCheckFailing',
    message: `The trunk fails the OPTIONS probes of ${down.length} of ${workers.length} ready workers (${down.join(', ')}): they try it only after the trunks that are up.`,
  };
}
