// make bench (operator part): PhoneNumbers at scale on a real kube-apiserver. Prints how long
// until routing and statuses are current, what it cost, and how fast a single edit lands.
//
// The control plane inherits GOGC. At 100,000 PhoneNumbers kube-apiserver holds a few GB of live
// heap (its watch cache keeps every object decoded), and on 2 cores shared with etcd, the operator
// and this load its garbage collector's cycles are the single-edit latency tail: `--profile`
// prints its RSS, and `GOGC=400 make bench-operator` shows the edit latency with it collecting
// less often (and using several times the memory).
import { KubeConfig } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { routingManifest, routingShard } from '../../api/routing/schema.ts';
import { shardText, type ShardPayload } from '../../api/routing/shard-data.ts';
import { startControlPlane } from '../../testing/control-plane/control-plane.ts';
import { inPool } from '../src/apply/pool.ts';
import { apiClient, type ApiClient } from '../../api/kube/client.ts';
import { connectionOf } from '../../api/kube/connection.ts';
import { collectionPath, objectPath } from '../src/kube/resources.ts';
import { shardIndex } from '../src/compile/routing.ts';
import { operatorNodeOptions, startBenchOperator, type BenchOperator } from './operator-process.ts';
import { controlPlane, profilePhase } from './profile.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const sizes = (process.env.BENCH_NUMBERS ?? '10000,100000').split(',').map(Number);
const profile = process.argv.includes('--profile');
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

/** What a worker would load: the manifest and its shards (a shard already counted under the same sha256 is not fetched again). */
const shardCounts = new Map<string, { numbers: number; bytes: number; textBytes: number }>();
async function routedCount(client: ApiClient): Promise<{ numbers: number; shards: number; largestBytes: number; largestTextBytes: number }> {
  const manifestMap = await client.request<{ data: Record<string, string> }>('GET', objectPath('ConfigMap', ns, `${carrier}-routing`));
  const manifest = routingManifest.parse(JSON.parse(manifestMap.data['manifest.json'] ?? ''));
  const missing = manifest.shards.filter((ref) => !shardCounts.has(`${ref.name}@${ref.sha256}`));
  await inPool(missing, 16, async (ref) => {
    const shardMap = await client.request<ShardPayload>('GET', objectPath('ConfigMap', ns, ref.name));
    const text = shardText(shardMap) ?? '';
    // A shard already newer than the manifest read is counted with the next manifest.
    if (createHash('sha256').update(text).digest('hex') !== ref.sha256) return;
    shardCounts.set(`${ref.name}@${ref.sha256}`, { numbers: Object.keys(routingShard.parse(JSON.parse(text)).numbers).length, bytes: Buffer.byteLength(JSON.stringify(shardMap)), textBytes: Buffer.byteLength(text) });
  });
  const counts = manifest.shards.map((ref) => shardCounts.get(`${ref.name}@${ref.sha256}`) ?? { numbers: 0, bytes: 0, textBytes: 0 });
  return { numbers: counts.reduce((sum, c) => sum + c.numbers, 0), shards: manifest.shards.length, largestBytes: Math.max(...counts.map((c) => c.bytes)), largestTextBytes: Math.max(...counts.map((c) => c.textBytes)) };
}

interface Condition { type: string; status: string }
interface WatchedNumber { metadata: { name: string; resourceVersion: string }; status?: { conditions?: Condition[] } }

/**
 * PhoneNumbers whose Ready condition is True, kept current by a watch: listing 100,000 numbers
 * every few seconds would load the API server more than the operator under test does.
 */
function watchReadyNumbers(client: ApiClient, signal: AbortSignal): { ready: Set<string> } {
  const ready = new Set<string>();
  let resourceVersion = '';
  void (async () => {
    while (!signal.aborted) {
      const query = `watch=1&allowWatchBookmarks=true&timeoutSeconds=3600${resourceVersion ? `&resourceVersion=${resourceVersion}` : ''}`;
      await client.watch(`${collectionPath('PhoneNumber', ns)}?${query}`, (event) => {
        const object = event.object as WatchedNumber;
        if (event.type === 'ERROR') {
          resourceVersion = '';
          return;
        }
        resourceVersion = object.metadata.resourceVersion;
        if (event.type === 'BOOKMARK') return;
        const isReady = event.type !== 'DELETED' && (object.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
        if (isReady) ready.add(object.metadata.name);
        else ready.delete(object.metadata.name);
      }, signal).catch(() => sleep(1000));
    }
  })();
  return { ready };
}

const phoneNumber = (i: number) => ({ apiVersion: 'telecom.switchyard.dev/v1alpha1', kind: 'PhoneNumber', metadata: { name: `pn-${i}`, namespace: ns }, spec: { carrierRef: { name: carrier }, number: number(i), accountRef: { name: 'kampot-pepper' } } });

/** Write requests the operator sent (counted per request, unlike switchyard_writes_total which counts at the end of a pass). */
const writeRequests = async (operator: BenchOperator) => {
  let total = 0;
  for (const verb of ['PATCH', 'POST', 'PUT', 'DELETE']) total += await operator.metric('switchyard_api_requests_total', { verb });
  return total;
};

async function scaleStep(client: ApiClient, operator: BenchOperator, readyNumbers: Set<string>, from: number, to: number) {
  const writesBefore = await writeRequests(operator);
  const creating = profilePhase(operator, `create ${to}`, profile);
  const created = Date.now();
  let done = 0;
  await inPool(Array.from({ length: to - from }, (_, i) => from + i), 64, async (i) => {
    await client.request('POST', collectionPath('PhoneNumber', ns), phoneNumber(i));
    if (++done % 10_000 === 0) console.log(`  … ${(from + done).toLocaleString('en')} created after ${seconds(Date.now() - created)}`);
  });
  const lastApply = Date.now();
  console.log(`  … all created after ${seconds(lastApply - created)}; ${readyNumbers.size.toLocaleString('en')} statuses Ready so far`);
  await creating.stop();
  const settling = profilePhase(operator, `after the last apply ${to}`, profile);
  let routable = 0;
  let state = { numbers: 0, shards: 0, largestBytes: 0, largestTextBytes: 0 };
  while (!routable) {
    state = await routedCount(client).catch(() => state);
    if (state.numbers >= to) routable = Date.now();
    else await sleep(250);
  }
  let statuses = 0;
  for (let polls = 0; !statuses; polls++) {
    if (readyNumbers.size >= to) statuses = Date.now();
    else await sleep(100);
    if (polls % 300 === 299) console.log(`  … ${readyNumbers.size.toLocaleString('en')} statuses Ready ${seconds(Date.now() - lastApply)} after the last apply`);
  }
  // Let the pass that wrote the last statuses finish before counting.
  await sleep(5000);
  await settling.stop();
  const writes = (await writeRequests(operator)) - writesBefore;
  console.log(`${to.toLocaleString('en')} PhoneNumbers: created ${to - from} in ${seconds(lastApply - created)} (${Math.round(((to - from) / (lastApply - created)) * 1000)}/s)`);
  console.log(`  routable (every number in routing ConfigMaps) ${seconds(routable - lastApply)} after the last apply   target < 60 s`);
  console.log(`  every status written                          ${seconds(statuses - lastApply)} after the last apply   target < 300 s`);
  console.log(`  operator write requests ${writes.toLocaleString('en')}; routing ConfigMaps ${state.shards + 1} (manifest + ${state.shards} shards), largest ${(state.largestBytes / 1024).toFixed(0)} KiB (its JSON unzipped ${(state.largestTextBytes / 1024).toFixed(0)} KiB)   target < 1024 KiB`);
  console.log(`  operator peak RSS ${(peakRss(operator.child.pid) / 2 ** 20).toFixed(0)} MB   target < 500 MB`);
}

/** Watches one object from `resourceVersion` until `seen` says yes (true) or the time is up (false). */
async function watchUntil(client: ApiClient, kind: 'ConfigMap' | 'PhoneNumber', name: string, resourceVersion: string, seen: (object: unknown) => boolean, timeoutMs: number): Promise<boolean> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), timeoutMs);
  let found = false;
  const query = `watch=1&fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}&resourceVersion=${resourceVersion}`;
  while (!found && !stop.signal.aborted) {
    await client.watch(`${collectionPath(kind, ns)}?${query}`, (event) => {
      if (seen(event.object)) {
        found = true;
        stop.abort();
      }
    }, stop.signal).catch(() => undefined);
  }
  clearTimeout(timer);
  return found;
}

/** Resolves when the shard ConfigMap contains `text`, watching it from `resourceVersion`. */
const shardContains = (client: ApiClient, shard: string, resourceVersion: string, text: string, timeoutMs: number) =>
  watchUntil(client, 'ConfigMap', shard, resourceVersion, (object) => shardText(object as ShardPayload)?.includes(text) === true, timeoutMs);

type Patched = { metadata: { name: string; resourceVersion: string; generation: number } };

/** Resolves to the ms from `started` until the number's status observes the patched generation, or undefined after 120 s. */
async function statusObserves(client: ApiClient, patched: Patched, started: number): Promise<number | undefined> {
  const { name, resourceVersion, generation } = patched.metadata;
  const observed = (object: unknown) => ((object as { status?: { observedGeneration?: number } }).status?.observedGeneration ?? 0) >= generation;
  return (await watchUntil(client, 'PhoneNumber', name, resourceVersion, observed, 120_000)) ? performance.now() - started : undefined;
}

/** What became of an edit that did not reach its shard in time: is it there now, what does the number's status say? */
async function explainLost(client: ApiClient, i: number, url: string, shard: string): Promise<void> {
  const pn = await client.request<{ metadata: { generation: number }; spec: { voiceURL?: string }; status?: { observedGeneration?: number; conditions?: Array<{ type: string; message: string }> } }>('GET', objectPath('PhoneNumber', ns, `pn-${i}`));
  const map = await client.request<ShardPayload>('GET', objectPath('ConfigMap', ns, shard));
  const manifestMap = await client.request<{ data: Record<string, string> }>('GET', objectPath('ConfigMap', ns, `${carrier}-routing`));
  const manifest = routingManifest.parse(JSON.parse(manifestMap.data['manifest.json'] ?? ''));
  console.log(`  lost edit pn-${i} (${number(i)}): spec has it ${pn.spec.voiceURL === url}, generation ${pn.metadata.generation} observed ${pn.status?.observedGeneration}, Ready "${pn.status?.conditions?.find((c) => c.type === 'Ready')?.message}"; ${shard} has it now ${shardText(map)?.includes(url)}; manifest ${manifest.shards.length} shards, number in ${manifest.shards.find((ref) => ref.name === shard) ? 'a listed shard' : 'an unlisted shard'}`);
}

async function editLatency(client: ApiClient, operator: BenchOperator, total: number) {
  const manifestMap = await client.request<{ data: Record<string, string> }>('GET', objectPath('ConfigMap', ns, `${carrier}-routing`));
  const shardCount = routingManifest.parse(JSON.parse(manifestMap.data['manifest.json'] ?? '')).shards.length;
  const patch = (i: number, url: string) => client.request<Patched>('PATCH', objectPath('PhoneNumber', ns, `pn-${i}`), { spec: { voiceURL: url } }, 'application/merge-patch+json');
  // 100 samples: with 40, the p99 was simply the slowest one.
  const samples = Array.from({ length: 100 }, (_, sample) => (sample * 7919) % total);
  // The load never edits a sampled number: a later edit to it would replace the URL being waited for.
  const sampled = new Set(samples);
  // An open-loop load of 100 edits a second: a slow API server does not slow the load down.
  let running = true;
  let background = 0;
  const loadStarted = Date.now();
  const load = (async () => {
    const inFlight = new Set<Promise<unknown>>();
    while (running) {
      const due = Math.floor(((Date.now() - loadStarted) / 1000) * 100);
      while (background < due && inFlight.size < 200) {
        const i = Math.floor(Math.random() * total);
        if (sampled.has(i)) continue;
        const sent: Promise<unknown> = patch(i, `https://load.example/${background++}`).catch(() => undefined).finally(() => inFlight.delete(sent));
        inFlight.add(sent);
      }
      await sleep(5);
    }
    await Promise.all(inFlight);
  })();
  const latencies: number[] = [];
  /** The sample's own PATCH round trip: the part of its latency spent queueing in the API server before the operator could know. */
  const patchTimes: number[] = [];
  /** Until the sample's status says it saw the edit (observedGeneration): what `kubectl get` shows, behind the routing. */
  const statusTimes: Array<Promise<number | undefined>> = [];
  let lost = 0;
  const profiling = profilePhase(operator, 'edits', profile);
  // Each pass as the operator logs it, to tell a slow pass with many writes from a slow API server.
  const passes: Array<{ ms: number; applied: number; keys: number; resynced: number; phaseMs: number[] }> = [];
  const untap = operator.tap((line) => {
    if (line.msg === 'reconciled') passes.push({ ms: Number(line.ms), applied: Number(line.applied), keys: Number(line.keys), resynced: Number(line.resynced ?? 0), phaseMs: Array.isArray(line.phaseMs) ? (line.phaseMs as number[]) : [] });
  });
  await sleep(2000);
  for (const [sample, i] of samples.entries()) {
    const url = `https://edit.example/${sample}/${Date.now()}`;
    const shard = `${carrier}-routing-${shardIndex(number(i), shardCount)}`;
    // Watched from the collection's current resourceVersion: the shard's own may be older than the
    // API server's watch window (410 Gone), if nothing in it changed for minutes.
    const { metadata } = await client.request<{ metadata: { resourceVersion: string } }>('GET', `${collectionPath('ConfigMap', ns)}?fieldSelector=${encodeURIComponent(`metadata.name=${shard}`)}`);
    const started = performance.now();
    const arrived = shardContains(client, shard, metadata.resourceVersion, url, 30_000);
    statusTimes.push(statusObserves(client, await patch(i, url), started));
    patchTimes.push(performance.now() - started);
    if (!(await arrived)) {
      lost++;
      await explainLost(client, i, url, shard);
    }
    latencies.push(performance.now() - started);
    // In the kept operator log (BENCH_OPERATOR_LOG), so a slow sample lines up with the passes around it.
    if (process.env.BENCH_OPERATOR_LOG) appendFileSync(process.env.BENCH_OPERATOR_LOG, `${JSON.stringify({ msg: 'bench: edit sample', time: Date.now(), sample: sample + 1, ms: Math.round(latencies.at(-1) ?? 0), patchMs: Math.round(patchTimes.at(-1) ?? 0) })}\n`);
  }
  running = false;
  const loadRate = background / ((Date.now() - loadStarted) / 1000);
  await load;
  const statusLatencies = (await Promise.all(statusTimes)).filter((ms) => ms !== undefined);
  await profiling.stop();
  untap();
  const passMs = passes.map((pass) => pass.ms);
  const slowPasses = [...passes].sort((a, b) => b.ms - a.ms).slice(0, 3);
  console.log(`  passes logged: ${passes.length} (${passes.filter((pass) => pass.resynced > 0).length} with a resync slice), duration p50 ${percentile(passMs, 50).toFixed(0)} ms, p99 ${percentile(passMs, 99).toFixed(0)} ms; slowest ${slowPasses.map((pass) => `${pass.ms} ms (${pass.keys} keys, ${pass.applied} applied, ${pass.resynced} resynced; shards, manifest, workloads ${pass.phaseMs.join('/')} ms)`).join(', ')}`);
  // Which samples were slow, and when: a tail at the start (a cold path) reads differently from one spread out.
  const slowest = latencies.map((ms, sample) => ({ ms, sample })).sort((a, b) => b.ms - a.ms).slice(0, 3);
  console.log(`  slowest edits: ${slowest.map(({ ms, sample }) => `#${sample + 1} ${ms.toFixed(0)} ms (its PATCH ${patchTimes[sample]?.toFixed(0)} ms)`).join(', ')}; the samples' own PATCH: p50 ${percentile(patchTimes, 50).toFixed(0)} ms, p99 ${percentile(patchTimes, 99).toFixed(0)} ms`);
  console.log(`single edit → its routing ConfigMap, with ${loadRate.toFixed(0)} other edits/s (${latencies.length} samples${lost ? `, ${lost} not seen within 30 s` : ''}, ${background} background edits): p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms   target p99 < 1000 ms`);
  const statusLost = samples.length - statusLatencies.length;
  console.log(`  … and to its status (observedGeneration): p50 ${percentile(statusLatencies, 50).toFixed(0)} ms, p99 ${percentile(statusLatencies, 99).toFixed(0)} ms, max ${Math.max(...statusLatencies).toFixed(0)} ms${statusLost > 0 ? `; ${statusLost} not within 120 s` : ''}`);
}

async function failover(kubeconfig: string) {
  const election = { SWITCHYARD_LEADER_ELECTION: 'true', SWITCHYARD_LEASE_NAMESPACE: ns, SWITCHYARD_LEASE_NAME: 'bench-election', LOG_LEVEL: 'info' };
  const a = startBenchOperator(kubeconfig, { ...election, SWITCHYARD_IDENTITY: 'bench-a' });
  await a.waitForLog((line) => line.msg === 'caches synced', 180_000);
  const b = startBenchOperator(kubeconfig, { ...election, SWITCHYARD_IDENTITY: 'bench-b' });
  // A deployed standby has long filled its caches when the leader dies; one started just now would
  // add its own lists of every object to the failover.
  const standbyStarted = Date.now();
  await b.waitForLog((line) => line.msg === 'caches synced', 180_000);
  console.log(`  the standby replica's caches synced ${seconds(Date.now() - standbyStarted)} after it started`);
  const rssOfA = peakRss(a.child.pid);
  const killed = Date.now();
  await a.kill();
  await b.waitForLog((line) => line.msg === 'became leader', 60_000);
  const leading = Date.now();
  // The new leader is working once its first pass (over every object) is done.
  while ((await b.metric('switchyard_reconciles_total')) < 1) await sleep(100);
  console.log(`leader failover (default 15 s lease, standby synced): new leader after ${seconds(leading - killed)}, its first pass done after ${seconds(Date.now() - killed)}   target < 20 s`);
  console.log(`  peak RSS of the two replicas: ${[rssOfA, peakRss(b.child.pid)].map((bytes) => `${(bytes / 2 ** 20).toFixed(0)} MB`).join(', ')}   target < 500 MB`);
  await b.kill();
}

const dir = await mkdtemp(join(tmpdir(), 'switchyard-bench-'));
const plane = await startControlPlane({ dir });
controlPlane.pids.push(...plane.pids);
controlPlane.names.push('etcd', 'kube-apiserver', 'kube-controller-manager');
try {
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromFile(plane.kubeconfig);
  const client = apiClient(await connectionOf(kubeconfig), { qps: 3000, burst: 3000, maxConnections: 64 });
  const { execFileSync } = await import('node:child_process');
  const kubectl = (...args: string[]) => execFileSync(join(repoRoot, '.switchyard/bin/kubectl'), ['--kubeconfig', plane.kubeconfig, ...args], { stdio: 'pipe' });
  kubectl('apply', '--server-side', '-f', join(repoRoot, 'crds'));
  kubectl('wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s');
  kubectl('create', 'namespace', ns);
  kubectl('apply', '-n', ns, '-f', join(repoRoot, 'examples/01-carrier.yaml'), '-f', join(repoRoot, 'examples/02-accounts.yaml'));
  const operator = startBenchOperator(plane.kubeconfig, { LOG_LEVEL: 'info', SWITCHYARD_RESYNC_SECONDS: process.env.BENCH_RESYNC_SECONDS ?? '600' });
  await operator.waitForLog((line) => line.msg === 'caches synced');
  console.log(`operator benchmark: kube-apiserver v1.35.4 on 127.0.0.1 (GOGC ${process.env.GOGC ?? '100, the Go default'}), operator QPS ${process.env.SWITCHYARD_OPERATOR_QPS ?? 600}, node ${operatorNodeOptions}, 2 cores`);
  const watching = new AbortController();
  const { ready } = watchReadyNumbers(client, watching.signal);
  let existing = 0;
  for (const size of sizes) {
    await scaleStep(client, operator, ready, existing, size);
    existing = size;
  }
  watching.abort();
  await editLatency(client, operator, existing);
  console.log(`  operator peak RSS over the whole run ${(peakRss(operator.child.pid) / 2 ** 20).toFixed(0)} MB   target < 500 MB`);
  await operator.stop();
  await failover(plane.kubeconfig);
} finally {
  await plane.stop();
  await rm(dir, { recursive: true, force: true });
}
