// make bench (operator part): PhoneNumbers at scale on a real kube-apiserver. Prints how long
// until routing and statuses are current, what it cost, and how fast a single edit lands.
import { KubeConfig } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { routingManifest, routingShard } from '../../api/routing/schema.ts';
import { startControlPlane } from '../../testing/control-plane/control-plane.ts';
import { startOperator, type OperatorProcess } from '../../testing/operator-process.ts';
import { inPool } from '../src/apply/pool.ts';
import { apiClient, type ApiClient } from '../src/kube/client.ts';
import { collectionPath, objectPath } from '../src/kube/resources.ts';
import { shardIndex } from '../src/compile/routing.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const sizes = (process.env.BENCH_NUMBERS ?? '10000,100000').split(',').map(Number);
const ns = 'bench';
const carrier = 'mekong-telecom';
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const number = (i: number) => `+8551${String(i).padStart(8, '0')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? NaN;

function peakRss(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

async function routedCount(client: ApiClient): Promise<{ numbers: number; shards: number; largestBytes: number }> {
  const manifestMap = await client.request<{ data: Record<string, string> }>('GET', objectPath('ConfigMap', ns, `${carrier}-routing`));
  const manifest = routingManifest.parse(JSON.parse(manifestMap.data['manifest.json'] ?? ''));
  let numbers = 0;
  let largestBytes = 0;
  for (const ref of manifest.shards) {
    const shardMap = await client.request<{ data: Record<string, string> }>('GET', objectPath('ConfigMap', ns, ref.name));
    largestBytes = Math.max(largestBytes, Buffer.byteLength(JSON.stringify(shardMap)));
    numbers += Object.keys(routingShard.parse(JSON.parse(shardMap.data['shard.json'] ?? '')).numbers).length;
  }
  return { numbers, shards: manifest.shards.length, largestBytes };
}

async function readyStatuses(client: ApiClient): Promise<number> {
  let ready = 0;
  let continueToken = '';
  do {
    const page = await client.request<{ items: Array<{ status?: { conditions?: Array<{ type: string; status: string }> } }>; metadata: { continue?: string } }>('GET', `${collectionPath('PhoneNumber', ns)}?limit=10000${continueToken ? `&continue=${continueToken}` : ''}`);
    ready += page.items.filter((pn) => pn.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    continueToken = page.metadata.continue ?? '';
  } while (continueToken);
  return ready;
}

const phoneNumber = (i: number) => ({ apiVersion: 'telecom.switchyard.dev/v1alpha1', kind: 'PhoneNumber', metadata: { name: `pn-${i}`, namespace: ns }, spec: { carrierRef: { name: carrier }, number: number(i), accountRef: { name: 'kampot-pepper' } } });

/** Write requests the operator sent (counted per request, unlike switchyard_writes_total which counts at the end of a pass). */
const writeRequests = async (operator: OperatorProcess) => {
  let total = 0;
  for (const verb of ['PATCH', 'POST', 'PUT', 'DELETE']) total += await operator.metric('switchyard_api_requests_total', { verb });
  return total;
};

async function scaleStep(client: ApiClient, operator: OperatorProcess, from: number, to: number) {
  const writesBefore = await writeRequests(operator);
  const created = Date.now();
  await inPool(Array.from({ length: to - from }, (_, i) => from + i), 64, async (i) => {
    await client.request('POST', collectionPath('PhoneNumber', ns), phoneNumber(i));
  });
  const lastApply = Date.now();
  let routable = 0;
  let state = { numbers: 0, shards: 0, largestBytes: 0 };
  while (!routable) {
    state = await routedCount(client).catch(() => state);
    if (state.numbers >= to) routable = Date.now();
    else await sleep(250);
  }
  let statuses = 0;
  while (!statuses) {
    if ((await readyStatuses(client)) >= to) statuses = Date.now();
    else await sleep(2000);
  }
  // Let the pass that wrote the last statuses finish before counting.
  await sleep(5000);
  const writes = (await writeRequests(operator)) - writesBefore;
  console.log(`${to.toLocaleString('en')} PhoneNumbers: created ${to - from} in ${seconds(lastApply - created)} (${Math.round(((to - from) / (lastApply - created)) * 1000)}/s)`);
  console.log(`  routable (every number in routing ConfigMaps) ${seconds(routable - lastApply)} after the last apply   target < 60 s`);
  console.log(`  every status written                          ${seconds(statuses - lastApply)} after the last apply   target < 300 s`);
  console.log(`  operator write requests ${writes.toLocaleString('en')}; routing ConfigMaps ${state.shards + 1} (manifest + ${state.shards} shards), largest ${(state.largestBytes / 1024).toFixed(0)} KiB   target < 1024 KiB`);
  console.log(`  operator peak RSS ${(peakRss(operator.child.pid) / 2 ** 20).toFixed(0)} MB   target < 500 MB`);
}

async function editLatency(client: ApiClient, total: number) {
  const manifestMap = await client.request<{ data: Record<string, string> }>('GET', objectPath('ConfigMap', ns, `${carrier}-routing`));
  const shardCount = routingManifest.parse(JSON.parse(manifestMap.data['manifest.json'] ?? '')).shards.length;
  const patch = (i: number, url: string) => client.request('PATCH', objectPath('PhoneNumber', ns, `pn-${i}`), { spec: { voiceURL: url } }, 'application/merge-patch+json');
  let running = true;
  let background = 0;
  const load = (async () => {
    while (running) {
      const tick = Date.now();
      await inPool(Array.from({ length: 10 }, () => Math.floor(Math.random() * total)), 10, (i) => patch(i, `https://load.example/${background++}`).then(() => undefined));
      await sleep(Math.max(0, 100 - (Date.now() - tick)));
    }
  })();
  const latencies: number[] = [];
  for (let sample = 0; sample < 40; sample++) {
    const i = (sample * 7919) % total;
    const url = `https://edit.example/${sample}/${Date.now()}`;
    const started = performance.now();
    await patch(i, url);
    const shard = `${carrier}-routing-${shardIndex(number(i), shardCount)}`;
    for (;;) {
      const map = await client.request<{ data: Record<string, string> }>('GET', objectPath('ConfigMap', ns, shard));
      if (map.data['shard.json']?.includes(url)) break;
      await sleep(20);
    }
    latencies.push(performance.now() - started);
  }
  running = false;
  await load;
  console.log(`single edit → its routing ConfigMap, with ~100 other edits/s (${latencies.length} samples, ${background} background edits): p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms   target p99 < 1000 ms`);
}

async function failover(kubeconfig: string) {
  const election = { SWITCHYARD_LEADER_ELECTION: 'true', SWITCHYARD_LEASE_NAMESPACE: ns, SWITCHYARD_LEASE_NAME: 'bench-election' };
  const a = startOperator(kubeconfig, { ...election, SWITCHYARD_IDENTITY: 'bench-a', LOG_LEVEL: 'info' });
  await a.waitForLog((line) => line.msg === 'caches synced', 120_000);
  const b = startOperator(kubeconfig, { ...election, SWITCHYARD_IDENTITY: 'bench-b', LOG_LEVEL: 'info' });
  await b.address();
  const killed = Date.now();
  await a.kill();
  await b.waitForLog((line) => line.msg === 'became leader', 60_000);
  const leading = Date.now();
  await b.waitForLog((line) => line.msg === 'caches synced', 120_000);
  console.log(`leader failover (default 15 s lease): new leader after ${seconds(leading - killed)}, caches synced after ${seconds(Date.now() - killed)}   target < 20 s`);
  await b.kill();
}

const dir = await mkdtemp(join(tmpdir(), 'switchyard-bench-'));
const plane = await startControlPlane({ dir });
try {
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromFile(plane.kubeconfig);
  const client = await apiClient(kubeconfig, { qps: 3000, burst: 3000, maxConnections: 64 });
  const { execFileSync } = await import('node:child_process');
  const kubectl = (...args: string[]) => execFileSync(join(repoRoot, '.switchyard/bin/kubectl'), ['--kubeconfig', plane.kubeconfig, ...args], { stdio: 'pipe' });
  kubectl('apply', '--server-side', '-f', join(repoRoot, 'crds'));
  kubectl('wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s');
  kubectl('create', 'namespace', ns);
  kubectl('apply', '-n', ns, '-f', join(repoRoot, 'examples/01-carrier.yaml'), '-f', join(repoRoot, 'examples/02-accounts.yaml'));
  const operator = startOperator(plane.kubeconfig, { LOG_LEVEL: 'info', SWITCHYARD_RESYNC_SECONDS: '600' });
  await operator.waitForLog((line) => line.msg === 'caches synced');
  console.log(`operator benchmark: kube-apiserver v1.35.4 on 127.0.0.1, operator QPS ${process.env.SWITCHYARD_OPERATOR_QPS ?? 600}, 2 cores`);
  let existing = 0;
  for (const size of sizes) {
    await scaleStep(client, operator, existing, size);
    existing = size;
  }
  await editLatency(client, existing);
  await operator.stop();
  await failover(plane.kubeconfig);
} finally {
  await plane.stop();
  await rm(dir, { recursive: true, force: true });
}
