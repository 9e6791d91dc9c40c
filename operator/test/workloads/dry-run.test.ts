// The real API server accepts every generated object as-is: server-side apply (what the operator
// does) and client-side apply, both as server dry runs with strict field validation, and nothing
// we send is dropped or rewritten on the way in (a typo'd or misplaced field would be).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testCluster, type TestCluster } from '../../../testing/cluster.ts';
import type { DesiredObject } from '../../src/compile/desired.ts';
import { fieldManager } from '../../src/compile/names.ts';
import { carrierWorkloads } from '../../src/compile/workloads/index.ts';
import { exampleCarrier, gitOpsLabels, inputsFor, minimalSpec, type SpecInput } from './fixtures.ts';

const push: SpecInput['push'] = {
  apns: { teamID: 'ABCDE12345', keyID: 'KEY1234567', topic: 'com.example.voice.voip', environment: 'development', privateKeySecretRef: { name: 'apns-key' } },
  fcm: { projectID: 'mekong-voice', serviceAccountSecretRef: { name: 'fcm-sa', key: 'sa.json' } },
};

const variants: { name: string; spec: SpecInput }[] = [
  { name: 'the example Carrier (LoadBalancer, relay behind NAT)', spec: exampleCarrier().spec },
  {
    name: 'ClusterIP, push with APNs and FCM, a registrar, no relay, SIP on a low port',
    spec: minimalSpec({ sipWorkers: { service: { type: 'ClusterIP', loadBalancerSourceRanges: ['203.0.113.0/24'] }, ports: { sip: 506 } }, mediaRelay: { enabled: false }, push, registrar: { redisURLSecretRef: { name: 'registrar-redis', key: 'url' } } }),
  },
  {
    name: 'NodePort, numeric resources, relay with its own port range and replicas',
    spec: minimalSpec({
      sipWorkers: { replicas: 1, service: { type: 'NodePort' }, resources: { requests: { cpu: 1, memory: '64Mi' }, limits: { cpu: 2 } } },
      mediaRelay: { replicas: 2, portRange: { min: 20000, max: 20999 }, resources: { requests: { cpu: '500m' } } },
    }),
  },
  {
    name: 'LoadBalancer with source ranges and annotations',
    spec: minimalSpec({ sipWorkers: { service: { type: 'LoadBalancer', loadBalancerSourceRanges: ['203.0.113.0/24', '2001:db8::/48'], annotations: { 'example.com/lb': 'internal' } } } }),
  },
];

/** Every leaf of `sent` is in `returned` with the same value, and arrays keep their length. */
function missingOrChanged(sent: unknown, returned: unknown, path = ''): string[] {
  if (Array.isArray(sent)) {
    if (!Array.isArray(returned) || returned.length !== sent.length) return [`${path}: sent ${JSON.stringify(sent)}, got ${JSON.stringify(returned)}`];
    return sent.flatMap((item: unknown, index) => missingOrChanged(item, returned[index], `${path}[${index}]`));
  }
  if (typeof sent === 'object' && sent !== null) {
    if (typeof returned !== 'object' || returned === null) return [`${path}: sent an object, got ${JSON.stringify(returned)}`];
    const got = returned as Record<string, unknown>;
    return Object.entries(sent).flatMap(([key, value]) => missingOrChanged(value, got[key], `${path}.${key}`));
  }
  return sent === returned ? [] : [`${path}: sent ${JSON.stringify(sent)}, got ${JSON.stringify(returned)}`];
}

// At top level rather than in before(): the namespace clean-up that testCluster() registers with
// after() only runs when registered outside a hook.
const cluster: TestCluster = await testCluster();

describe('the API server accepts the generated workloads (server dry run)', () => {
  for (const { name, spec } of variants) {
    test(name, async () => {
      const namespace = await cluster.namespace('workloads');
      const objects: DesiredObject[] = carrierWorkloads(inputsFor(spec, { namespace, labels: { ...gitOpsLabels, team: 'voice' }, shards: 3 }));
      for (const object of objects) {
        const what = `${object.kind} ${object.metadata.name}`;
        const manifest = JSON.stringify(object);
        const applied = await cluster.kubectl(['apply', '--server-side', `--field-manager=${fieldManager}`, '--dry-run=server', '--validate=strict', '-o', 'json', '-f', '-'], { input: manifest });
        assert.equal(applied.code, 0, `server-side apply of ${what}: ${applied.stderr}`);
        assert.deepEqual(missingOrChanged(object, JSON.parse(applied.stdout)), [], `${what} comes back as sent`);
        const clientSide = await cluster.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], { input: manifest });
        assert.equal(clientSide.code, 0, `kubectl apply of ${what}: ${clientSide.stderr}`);
      }
    });
  }
});
