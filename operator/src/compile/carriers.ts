// Carriers come last: their routing and status summarise everything compiled before them.
import type { CompileResult } from './result.ts';
import { carrierStatus } from './carrier-status.ts';
import type { DesiredObject } from './desired.ts';
import { inheritedLabels, names } from './names.ts';
import { objectKey, type CarrierObject } from './observed.ts';
import type { PhoneNumberIndex } from './phone-number-index.ts';
import { CarrierRouting } from './routing.ts';
import { refOf, type CompileScope } from './scope.ts';
import { pushCredentials } from './push-credentials.ts';
import { sipTlsCertificate } from './sip-tls-certificate.ts';
import { sipWorkerKeySecret } from './sip-worker-key.ts';
import { carrierWorkloads } from './workloads/index.ts';

function carrierForWorkloads(carrier: CarrierObject) {
  const { name, namespace, uid, labels } = carrier.metadata;
  return { metadata: { name, namespace, uid, ...(labels ? { labels } : {}) }, spec: carrier.spec };
}

/** `routings` holds each carrier's shards from the previous pass; carriers that are gone are dropped from it. */
export function compileCarriers(scope: CompileScope, numbers: PhoneNumberIndex, routings: Map<string, CarrierRouting>): { phases: DesiredObject[][]; carriers: CompileResult['carriers'] } {
  const phases: DesiredObject[][] = [[], [], []];
  const carriers: CompileResult['carriers'] = [];
  for (const key of routings.keys()) if (!scope.tables.has(key)) routings.delete(key);
  for (const carrier of scope.observed.carriers) {
    const key = objectKey(carrier.metadata);
    const carrierTables = scope.tables.get(key);
    if (!carrierTables) continue;
    let routing = routings.get(key);
    if (!routing) routings.set(key, (routing = new CarrierRouting()));
    const routed = numbers.numbersOf(key);
    routing.sync(routed, numbers.takeChanged(key));
    carrierTables.members.phoneNumbers = routed.size;
    const compiled = routing.compile(carrier, carrierTables, inheritedLabels(carrier.metadata.labels));
    phases[0]?.push(...compiled.shards, compiled.workerSecret);
    phases[1]?.push(compiled.manifest);
    const ours = (report: { namespace: string; carrier: string }) => report.namespace === carrier.metadata.namespace && report.carrier === carrier.metadata.name;
    const push = pushCredentials(carrier, scope.observed.secrets, scope.observed.pushServices.filter(ours), scope.context.now);
    const pushChecksum = push?.checksum;
    const sipTls = sipTlsCertificate(carrier, scope.observed.secrets, scope.context.now);
    const workerKey = sipWorkerKeySecret(carrier, scope.observed.secrets, scope.context.randomBytes);
    if (workerKey) scope.createOnly.push(workerKey);
    phases[2]?.push(...carrierWorkloads({
      carrier: carrierForWorkloads(carrier), images: scope.context.images, routingShardCount: compiled.shards.length, routingConfigChecksum: compiled.generation,
      ...(pushChecksum === undefined ? {} : { pushCredentialsChecksum: pushChecksum }),
    }));
    const certificateExpiries: CompileResult['carriers'][number]['certificateExpiries'] = [
      ...(sipTls?.expiry ? [{ certificate: 'sip-tls' as const, expiry: sipTls.expiry }] : []),
      ...(push?.apnsCertificateExpiry ? [{ certificate: 'apns' as const, expiry: push.apnsCertificateExpiry }] : []),
    ];
    carriers.push({ namespace: carrier.metadata.namespace, name: carrier.metadata.name, generation: compiled.generation, shards: compiled.shards.length, largestShardBytes: compiled.largestShardBytes, numbers: routed.size, certificateExpiries });
    scope.collector.add(refOf('Carrier', carrier), carrier.status, carrierStatus(carrier, compiled.generation, carrierTables.members, scope.observed.workers.filter(ours), {
      ...(push ? { push: push.condition } : {}),
      ...(sipTls ? { sipTls: sipTls.condition } : {}),
    }, scope.context.now, scope.observed.serviceAddresses?.get(`${carrier.metadata.namespace}/${names.sipService(carrier.metadata.name)}`)));
  }
  numbers.settle();
  return { phases, carriers };
}
