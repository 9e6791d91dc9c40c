// make bench (worker part, routing): how long from `kubectl apply` of a changed PhoneNumber until
// the SIP worker serves the routing generation that holds the change, on the real path: a local
// kube-apiserver, the operator (its own process) compiling the routing ConfigMaps, and the worker
// in Kubernetes mode reading them through the API, as in a pod. The carrier is examples/ plus
// BENCH_APPLY_NUMBERS more PhoneNumbers; BENCH_APPLY_EDITS edits one number's voice URL in turn.
//
//   node sip-workers/bench/apply-to-serving.ts
import { spawn, execFile } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startControlPlane } from '../../testing/control-plane/control-plane.ts';
import { percentile } from './rtt-stats.ts';
import { startWorker } from './worker-runner.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const kubectlBinary = process.env.SWITCHYARD_KUBECTL ?? join(repoRoot, '.switchyard/bin/kubectl');
const extraNumbers = Number(process.env.BENCH_APPLY_NUMBERS ?? 1000);
const edits = Number(process.env.BENCH_APPLY_EDITS ?? 30);
const targetP99Ms = 2000;
const ns = 'bench';
const carrier = 'mekong-telecom';
const edited = 'pn-85523900100';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function numbersYaml(count: number): string {
  return Array.from({ length: count }, (_, i) => `apiVersion: telecom.switchyard.dev/v1alpha1
kind: PhoneNumber
metadata: { name: bench-${i} }
spec: { carrierRef: { name: ${carrier} }, number: "+8551${String(i).padStart(8, '0')}", accountRef: { name: kampot-pepper } }
`).join('---\n');
}

const editYaml = (i: number) => `apiVersion: telecom.switchyard.dev/v1alpha1
kind: PhoneNumber
metadata: { name: ${edited} }
spec:
  carrierRef: { name: ${carrier} }
  number: "+85523900100"
  type: local
  accountRef: { name: phnom-penh-clinic }
  voiceURL: https://clinic.example/voice/edit-${i}
`;

/** The generations the worker's log says it started serving, with the worker's own timestamp. */
function servedGenerations(logFile: string): Array<{ generation: string; time: number }> {
  const served: Array<{ generation: string; time: number }> = [];
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('"serving routing generation"')) continue;
    const parsed = JSON.parse(line) as { generation?: string; time?: number };
    // The routing store and main.ts both log a swap: keep the first line of each generation.
    if (parsed.generation !== undefined && parsed.time !== undefined && served.at(-1)?.generation !== parsed.generation) served.push({ generation: parsed.generation, time: parsed.time });
  }
  return served;
}

const started = Date.now();
const progress = (what: string) => console.log(`  [${((Date.now() - started) / 1000).toFixed(1)} s] ${what}`);

type Kubectl = (args: string[], input?: string) => Promise<string>;

/** Waits until the worker serves the generation the operator last published for the carrier. */
async function settle(kubectl: Kubectl, workerLog: string, operatorLog: string): Promise<void> {
  const published = async () => (JSON.parse(await kubectl(['get', '-n', ns, 'carrier', carrier, '-o', 'json'])) as { status?: { routingGeneration?: string } }).status?.routingGeneration;
  const deadline = Date.now() + 120_000;
  for (;;) {
    const last = servedGenerations(workerLog).at(-1)?.generation;
    const wanted = await published();
    if (last !== undefined && last === wanted) return;
    if (Date.now() > deadline) {
      const tail = (file: string) => readFileSync(file, 'utf8').split('\n').slice(-8).join('\n');
      throw new Error(`the worker serves ${last ?? 'nothing'}, the operator published ${wanted ?? 'nothing'}\nworker log:\n${tail(workerLog)}\noperator log:\n${tail(operatorLog)}`);
    }
    await sleep(250);
  }
}

/** One edit: ms from starting kubectl and from kubectl returning to the worker's log line for the next generation. */
async function timeEdit(kubectl: Kubectl, workerLog: string, i: number): Promise<{ fromInvoke: number; fromReturn: number }> {
  const before = servedGenerations(workerLog).length;
  const invoked = Date.now();
  await kubectl(['apply', '-n', ns, '-f', '-'], editYaml(i));
  const returned = Date.now();
  let served: { generation: string; time: number } | undefined;
  while (!(served = servedGenerations(workerLog)[before])) {
    if (Date.now() - invoked > 30_000) throw new Error(`edit ${i}: the worker served no new generation within 30 s`);
    await sleep(5);
  }
  return { fromInvoke: served.time - invoked, fromReturn: served.time - returned };
}

async function measure(kubectl: Kubectl, workerLog: string): Promise<void> {
  console.log(`\nkubectl apply → worker serving the new generation: kube-apiserver and the operator on 127.0.0.1, worker in Kubernetes mode; ${4 + extraNumbers} PhoneNumbers, ${edits} edits of one`);
  const fromInvoke: number[] = [];
  const fromReturn: number[] = [];
  for (let i = 0; i < edits; i++) {
    const timed = await timeEdit(kubectl, workerLog, i);
    fromInvoke.push(timed.fromInvoke);
    fromReturn.push(timed.fromReturn);
    // Let the operator's status writes for this edit settle before the next one.
    await sleep(300);
  }
  const line = (label: string, values: number[]) => `  ${label}: p50 ${percentile(values, 50)} ms, p99 ${percentile(values, 99)} ms, max ${Math.max(...values)} ms`;
  console.log(line('from starting kubectl apply', fromInvoke));
  console.log(line('from kubectl apply returning', fromReturn));
  const p99 = percentile(fromInvoke, 99) ?? Infinity;
  console.log(`  ${p99 < targetP99Ms ? 'MET   ' : 'MISSED'}  p99 kubectl apply → worker serving < ${targetP99Ms} ms: ${p99} ms (${edits} edits${edits < 100 ? ': under 100 samples, p99 is the slowest' : ''})`);
}

async function main(): Promise<void> {
  progress('starting the control plane');
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-bench-apply-'));
  const plane = await startControlPlane({ dir });
  const kubectl: Kubectl = async (args, input) => {
    const child = promisify(execFile)(kubectlBinary, ['--kubeconfig', plane.kubeconfig, ...args], { maxBuffer: 64 << 20, timeout: 60_000 });
    if (input !== undefined) child.child.stdin?.end(input);
    return (await child).stdout;
  };
  let operator: ReturnType<typeof spawn> | undefined;
  try {
    progress('installing the CRDs and examples/');
    await kubectl(['apply', '--server-side', '-f', join(repoRoot, 'crds')]);
    await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '-l', 'app.kubernetes.io/part-of=switchyard']);
    await kubectl(['create', 'namespace', ns]);
    await kubectl(['apply', '-n', ns, '-f', join(repoRoot, 'examples')]);
    progress(`applying ${extraNumbers} more PhoneNumbers`);
    if (extraNumbers > 0) await kubectl(['apply', '--server-side', '-n', ns, '-f', '-'], numbersYaml(extraNumbers));

    progress('starting the operator and the worker');
    const operatorLog = join(dir, 'operator.log');
    const operatorFd = openSync(operatorLog, 'w');
    operator = spawn(process.execPath, [join(repoRoot, 'operator/src/main.ts')], {
      env: { ...process.env, KUBECONFIG: plane.kubeconfig, SWITCHYARD_HTTP_ADDRESS: '127.0.0.1:0', SWITCHYARD_LEADER_ELECTION: 'false', LOG_LEVEL: 'info' },
      stdio: ['ignore', operatorFd, operatorFd],
    });
    closeSync(operatorFd);
    const worker = await startWorker({ kube: { kubeconfig: plane.kubeconfig, namespace: ns, podName: `${carrier}-sip-worker-bench-0` } }, carrier, dir, 'info', { waitReady: false });
    try {
      await settle(kubectl, worker.logFile, operatorLog);
      progress('settled: the worker serves the published generation');
      await measure(kubectl, worker.logFile);
    } finally {
      await worker.stop();
    }
  } finally {
    if (operator && operator.exitCode === null) {
      const exited = new Promise((resolve) => operator?.once('exit', resolve));
      operator.kill('SIGTERM');
      await exited;
    }
    await plane.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
