// A worker reports itself through a Lease the way the operator reads workers (labels, holder,
// duration, renewTime, the routing-generation annotation), with only the worker's permissions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testCluster } from '../../../testing/cluster.ts';
import { startLeaseReporter } from '../../src/routing/lease-reporter.ts';
import { RoutingStore } from '../../src/routing/routing-store.ts';
import { compile, manyNumbers, textsOf } from './fixtures.ts';
import { workerApiClient } from './worker-identity.ts';

const cluster = await testCluster();
const namespace = await cluster.namespace('worker-lease');
const client = await workerApiClient(cluster, namespace, 'mekong', 1);
const first = compile({ numbers: manyNumbers(10) });
const second = compile({ numbers: manyNumbers(11) });

interface Lease {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { kind: string; name: string; uid: string }[] };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string };
}

async function lease(name: string): Promise<Lease | undefined> {
  const result = await cluster.kubectl(['get', 'lease', name, '-n', namespace, '-o', 'json']);
  return result.code === 0 ? (JSON.parse(result.stdout) as Lease) : undefined;
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function servingStore(compiled: typeof first): Promise<RoutingStore> {
  const store = new RoutingStore();
  assert.equal(await store.submit(textsOf(compiled)), 'swapped');
  return store;
}

test('a worker keeps a Lease named after its pod, as the operator reads workers, renewed and owned by its Pod', async () => {
  const pod = 'mekong-sip-worker-7d9f-abcde';
  await cluster.kubectlOk(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: pod, namespace }, spec: { serviceAccountName: 'mekong-sip-worker', automountServiceAccountToken: false, containers: [{ name: 'sip-worker', image: 'example.invalid/sip-worker:test' }] } }) });
  const podUID = (JSON.parse(await cluster.kubectlOk(['get', 'pod', pod, '-n', namespace, '-o', 'json'])) as { metadata: { uid: string } }).metadata.uid;
  const store = await servingStore(first);
  const reporter = startLeaseReporter({ client, namespace, carrier: 'mekong', podName: pod, podUID, store, renewIntervalMs: 400 });
  try {
    const created = await eventually('the lease', () => lease(pod));
    assert.equal(created.metadata.labels?.['app.kubernetes.io/component'], 'sip-worker');
    assert.equal(created.metadata.labels?.['telecom.switchyard.dev/carrier'], 'mekong');
    assert.equal(created.metadata.annotations?.['telecom.switchyard.dev/routing-generation'], first.generation);
    assert.equal(created.spec.holderIdentity, pod);
    assert.equal(created.spec.leaseDurationSeconds, 15);
    assert.match(created.spec.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.ok(Math.abs(Date.now() - new Date(created.spec.renewTime ?? 0).getTime()) < 10_000, 'renewed just now (the operator counts it ready within 15 s)');
    assert.deepEqual(created.metadata.ownerReferences?.map(({ kind, name, uid }) => ({ kind, name, uid })), [{ kind: 'Pod', name: pod, uid: podUID }]);
    await eventually('a renewal', async () => ((await lease(pod))?.spec.renewTime ?? '') > (created.spec.renewTime ?? '') || undefined);
  } finally {
    await reporter.stop();
    store.close();
  }
  await cluster.kubectlOk(['delete', 'pod', pod, '-n', namespace, '--wait=false']);
  await eventually('the garbage collector to remove the lease with its pod', async () => ((await lease(pod)) === undefined ? true : undefined), 60_000);
});

test('a new routing generation is reported at once, not at the next renewal', async () => {
  const pod = 'mekong-sip-worker-7d9f-fghij';
  const store = await servingStore(first);
  const reporter = startLeaseReporter({ client, namespace, carrier: 'mekong', podName: pod, store, renewIntervalMs: 600_000 });
  try {
    const created = await eventually('the lease', () => lease(pod));
    assert.equal(created.metadata.annotations?.['telecom.switchyard.dev/routing-generation'], first.generation);
    assert.equal(created.metadata.ownerReferences, undefined, 'no pod UID, no owner');
    assert.equal(await store.submit(textsOf(second)), 'swapped');
    const renewed = await eventually('the new generation on the lease', async () => {
      const current = await lease(pod);
      return current?.metadata.annotations?.['telecom.switchyard.dev/routing-generation'] === second.generation ? current : undefined;
    }, 5_000);
    assert.ok((renewed.spec.renewTime ?? '') > (created.spec.renewTime ?? ''));
  } finally {
    await reporter.stop();
    store.close();
  }
});

test('the outbound trunks the health checks find down are reported at once, and the annotation goes when none is down', async () => {
  const pod = 'mekong-sip-worker-7d9f-trunk';
  const store = await servingStore(first);
  let down: string[] = [];
  const listeners = new Set<() => void>();
  const trunks = { down: () => down, onChange: (listener: () => void) => (listeners.add(listener), () => listeners.delete(listener)) };
  const changeTo = (names: string[]) => {
    down = names;
    for (const listener of listeners) listener();
  };
  const reporter = startLeaseReporter({ client, namespace, carrier: 'mekong', podName: pod, store, trunks, renewIntervalMs: 600_000 });
  const annotation = async () => (await lease(pod))?.metadata.annotations?.['telecom.switchyard.dev/outbound-trunks-down'];
  try {
    await eventually('the lease', () => lease(pod));
    assert.equal(await annotation(), undefined);
    changeTo(['pstn-b', 'pstn-a']);
    assert.equal(await eventually('the trunks on the lease', async () => await annotation(), 5_000), '["pstn-a","pstn-b"]');
    changeTo([]);
    await eventually('the annotation removed', async () => ((await annotation()) === undefined ? true : undefined), 5_000);
  } finally {
    await reporter.stop();
    store.close();
  }
});
