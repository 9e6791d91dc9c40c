// The SIP worker's routing state at 1,000,000 numbers: a synthetic carrier compiled by the
// operator's own CarrierRouting (so the texts are the real shard format), then rebuilt, looked up
// and weighed. Prints each figure and a verdict against its target.
//
//   node sip-workers/bench/routing-table.ts [numbers] [--unique-webhooks]
//
// --unique-webhooks gives every number its own voice URL: the worst case for interning.
import { randomInt } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { AccountRoute, InboundTrunkRoute, NumberRoute, OutboundTrunkRoute } from '../../api/routing/schema.ts';
import { ChecksumCache, sha256Hex } from '../src/routing/checksum-cache.ts';
import { assembleGeneration, assembleGenerationGradually, type GenerationTexts } from '../src/routing/generation-assembler.ts';
import type { RoutingTable } from '../src/routing/routing-table.ts';
import { carrierTables, compileNumbers, textsOf } from '../test/routing/fixtures.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const numberCount = Number(process.argv.slice(2).find((arg) => /^\d+$/.test(arg)) ?? 1_000_000);
const uniqueWebhooks = process.argv.includes('--unique-webhooks');
const accountCount = 1000;
const targets = { lookupNs: 1000, memoryMB: 200, rebuildMs: 1000 };

const webhook = (url: string, method: 'POST' | 'GET' = 'POST') => ({ url, method });
const numberAt = (i: number) => `+855${String(10_000_000 + ((i * 7_919) % 90_000_000)).padStart(8, '0')}`;

function syntheticTexts(): GenerationTexts {
  const accounts = new Map<string, AccountRoute>();
  for (let a = 0; a < accountCount; a++) accounts.set(`account-${a}`, { sid: `AC${String(a).padStart(32, '0')}`, enabled: true, voice: webhook(`https://apps.example.com/${a}/voice`) });
  const numbers = new Map<string, NumberRoute>();
  for (let i = 0; i < numberCount; i++) {
    const a = i % accountCount;
    const route: NumberRoute = { type: i % 5 === 0 ? 'mobile' : 'local', enabled: i % 100 !== 0, account: `account-${a}`, voice: webhook(uniqueWebhooks ? `https://apps.example.com/${a}/voice/${i}` : `https://apps.example.com/${a}/voice`) };
    if (i % 10 === 0) route.fallback = webhook(`https://fallback.example.com/${a}`, 'GET');
    if (i % 1000 === 0) route.statusCallback = webhook(`https://status.example.com/${i}`);
    numbers.set(numberAt(i), route);
  }
  const inboundTrunks: InboundTrunkRoute[] = Array.from({ length: 200 }, (_, t) => ({
    name: `in-${t}`, enabled: true, account: `account-${t}`, normalization: { nationalToE164: true },
    sourceCIDRs: [`10.${t}.0.0/16`, `10.${t}.${t}.0/24`, `10.${t}.${t}.${t}/32`, `2001:db8:${t.toString(16)}::/48`],
  }));
  const outboundTrunks: OutboundTrunkRoute[] = Array.from({ length: 1000 }, (_, t) => ({
    name: `out-${t}`, enabled: t % 10 !== 9, host: `gw${t}.example.net`, port: 5060, transport: 'udp',
    dialString: { plusPrefix: true, prefix: '', nationalDialing: false, nationalPrefix: '0' },
    routePrefixes: t === 0 ? [] : [String(t), `855${t}`, `8559${t}`.slice(0, 8)], priority: t % 3, weight: 10, stopFailoverCodes: [], hasCredentials: false,
  }));
  const tables = carrierTables({ inboundTrunks, outboundTrunks });
  tables.accounts = accounts;
  return textsOf(compileNumbers(tables, numbers, 'bench'));
}

const heapAndBuffers = () => {
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed + usage.arrayBuffers, rss: usage.rss };
};
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

function must(assembly: ReturnType<typeof assembleGeneration>): RoutingTable {
  if (!assembly.ok) throw new Error(assembly.reason);
  return assembly.table;
}

function nsPerCall(label: string, inputs: readonly string[], call: (input: string) => unknown): number {
  let sink = 0;
  for (const input of inputs.slice(0, 10_000)) if (call(input) !== undefined) sink++;
  const started = process.hrtime.bigint();
  for (const input of inputs) if (call(input) !== undefined) sink++;
  const ns = Number(process.hrtime.bigint() - started) / inputs.length;
  const warmup = Math.min(inputs.length, 10_000);
  const found = sink - inputs.slice(0, warmup).filter((input) => call(input) !== undefined).length;
  console.log(`  ${label.padEnd(44)} ${ns.toFixed(0).padStart(6)} ns  (${found} of ${inputs.length} found)`);
  return ns;
}

let started = performance.now();
const texts = syntheticTexts();
const textBytes = [...texts.shards.values()].reduce((sum, text) => sum + text.length, 0);
console.log(`state: ${numberCount.toLocaleString('en')} numbers${uniqueWebhooks ? ', each with its own webhook' : ''}, ${texts.shards.size} shards, ${mb(textBytes)} MB of shard JSON (compiled by the operator in ${((performance.now() - started) / 1000).toFixed(1)} s)`);

gc();
const before = heapAndBuffers();
// The checksum cache is what the Kubernetes source keeps: later generations hash only what changed.
const checksums = new ChecksumCache();
started = performance.now();
const cpuStarted = process.cpuUsage();
let table = must(assembleGeneration(texts, { checksums }));
const fullSync = performance.now() - started;
const fullSyncCpu = (process.cpuUsage(cpuStarted).user + process.cpuUsage(cpuStarted).system) / 1000;
gc();
const after = heapAndBuffers();
const tableBytes = after.heap - before.heap;

const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
started = performance.now();
const gradual = await assembleGenerationGradually(texts);
const fullGradual = performance.now() - started;
delay.disable();
must(gradual);

// One number re-pointed: the operator rewrites one shard and the manifest.
const edited = JSON.parse(texts.manifest) as { shards: { name: string; sha256: string }[] };
const firstShard = edited.shards[0]?.name ?? '';
const shardText = texts.shards.get(firstShard) ?? '';
const changedShard = shardText.replace('"enabled":true', '"enabled":false');
const changedSha = sha256Hex(changedShard);
const editedTexts: GenerationTexts = {
  ...texts,
  manifest: JSON.stringify({ ...JSON.parse(texts.manifest), generation: 'edited', shards: edited.shards.map((s) => (s.name === firstShard ? { ...s, sha256: changedSha } : s)) }),
  shards: new Map([...texts.shards, [firstShard, changedShard]]),
};
started = performance.now();
const incremental = assembleGeneration(editedTexts, { previous: table, checksums });
const oneEdit = performance.now() - started;
if (!incremental.ok) throw new Error(incremental.reason);
table = incremental.table;

console.log('\nrebuild');
console.log(`  full, in one go                              ${fullSync.toFixed(0).padStart(6)} ms   (${fullSyncCpu.toFixed(0)} ms of CPU; load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} CPUs)`);
console.log(`  full, yielding to the event loop             ${fullGradual.toFixed(0).padStart(6)} ms   longest event-loop stall ${(delay.max / 1e6).toFixed(1)} ms`);
console.log(`  one number edited                            ${oneEdit.toFixed(0).padStart(6)} ms   (compiled ${incremental.compiledShards} shard, reused ${incremental.reusedShards})`);

const hits = Array.from({ length: 1_000_000 }, () => numberAt(randomInt(numberCount)));
const misses = Array.from({ length: 1_000_000 }, () => `+856${String(randomInt(10_000_000, 100_000_000))}`);
const mixed = hits.map((hit, i) => (i % 2 === 0 ? hit : (misses[i] ?? '')));
console.log('\nlookups (per call, 1,000,000 random inputs each)');
const lookup = Math.max(
  nsPerCall('number(), hits', hits, (n) => table.number(n)),
  nsPerCall('number(), misses', misses, (n) => table.number(n)),
  nsPerCall('number(), half and half', mixed, (n) => table.number(n)),
);
const v4 = Array.from({ length: 1_000_000 }, () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(256)}`);
const cidr = Math.max(
  nsPerCall('inboundTrunkFor(), IPv4', v4, (a) => table.inboundTrunkFor(a)),
  nsPerCall('inboundTrunkFor(), IPv4-mapped IPv6', v4.map((a) => `::ffff:${a}`), (a) => table.inboundTrunkFor(a)),
);
nsPerCall('inboundTrunkFor(), IPv6 (no target)', v4.slice(0, 200_000).map((_, i) => `2001:db8:${(i % 256).toString(16)}::${i.toString(16)}`), (a) => table.inboundTrunkFor(a));
const digits = Array.from({ length: 1_000_000 }, () => String(randomInt(10_000_000_000, 99_999_999_999)));
const prefix = nsPerCall('outboundTrunkCandidates()', digits, (d) => (table.outboundTrunkCandidates(d).length > 0 ? 1 : undefined));

gc();
const rss = process.memoryUsage().rss;
console.log('\nmemory');
console.log(`  one table (heap + typed arrays, after GC)    ${mb(tableBytes).padStart(6)} MB   pool: ${table.pool.routeCount} routes, ${table.pool.strings.size} strings`);
console.log(`  process RSS now (texts + tables + inputs)    ${mb(rss).padStart(6)} MB   (before building: ${mb(before.rss)} MB)`);

console.log('\nverdicts');
console.log(`  number lookup < ${targets.lookupNs} ns: ${verdict(lookup < targets.lookupNs)} (${lookup.toFixed(0)} ns); CIDR ${verdict(cidr < targets.lookupNs)} (${cidr.toFixed(0)} ns); prefix ${verdict(prefix < targets.lookupNs)} (${prefix.toFixed(0)} ns)`);
console.log(`  table memory < ${targets.memoryMB} MB: ${verdict(tableBytes / 2 ** 20 < targets.memoryMB)} (${mb(tableBytes)} MB)`);
console.log(`  full rebuild < ${targets.rebuildMs} ms: ${verdict(fullSync < targets.rebuildMs)} (${fullSync.toFixed(0)} ms in one go, ${fullGradual.toFixed(0)} ms yielding)`);
