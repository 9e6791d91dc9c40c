// `make run`, the main job in one command: a control plane of its own, the CRDs, the operator,
// examples/, and every SIP worker, media relay and push service the operator wrote, each run as a
// local process from its Deployment's pod template. A demo webhook and a SIPp callee stand in for
// the example customer. It prints where to send SIP and a SIPp command that places a call, then
// stays in the foreground; Ctrl-C (SIGINT) or SIGTERM stops everything it started, newest first.
import type { V1Deployment, V1Service } from '@kubernetes/client-node';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { names } from '../operator/src/compile/names.ts';
import { startControlPlane } from '../testing/control-plane/control-plane.ts';
import { calleeArgs, calleeURI } from './demo/callee.ts';
import { exampleCall, sippCallerCommand, type NumberObject, type TrunkObject } from './demo/example-call.ts';
import { fieldManager, pointWebhooksAt, webhookKinds } from './demo/webhook-patches.ts';
import { startDemoWebhook } from './demo/webhook.ts';
import { kubectl as makeKubectl, kubectlBinary, type Kubectl } from './kube/kubectl.ts';
import { compiled, condition, notCompiled, publishedGeneration, type Observed } from './kube/readiness.ts';
import { childEnv, onPath } from './processes/child-env.ts';
import { freeLoopbackPort } from './processes/pod-addresses.ts';
import { probe } from './processes/probes.ts';
import { Supervisor, type Started } from './processes/supervisor.ts';
import { GiveUp, Interrupted, until } from './until.ts';
import { startWorkloads, type RunningWorkload, type Workloads } from './workloads.ts';

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
const runDir = resolve(process.env.SWITCHYARD_RUN_DIR ?? join(repoRoot, '.switchyard/run'));
const say = (line: string) => void process.stdout.write(`${line}\n`);
const supervisor = new Supervisor(join(runDir, 'pids'), say);
const abort = new AbortController();
const { signal } = abort;
const startedAt = performance.now();
const seconds = () => ((performance.now() - startedAt) / 1000).toFixed(1);

async function tail(file: string, lines = 8): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).map((line) => `    ${line}`).join('\n');
}

/** A process that ends on its own while we run is a failure: say so with its last log lines, then stop everything. */
function watch(child: Started, logFile: string): void {
  void child.exited.then(async (how) => {
    if (signal.aborted) return;
    say(`${child.name} exited unexpectedly (${how}); last lines of ${logFile}:\n${await tail(logFile)}`);
    stop(`${child.name} failed`, 1);
  });
}

async function startPlatform(): Promise<{ kubectl: Kubectl; kubeconfig: string }> {
  say('control plane: starting etcd, kube-apiserver and kube-controller-manager (a first run builds them from Go modules, which takes minutes)');
  const dir = join(runDir, 'control-plane');
  await rm(dir, { recursive: true, force: true });
  const plane = await startControlPlane({ dir, detached: true });
  supervisor.adopt('control plane', plane.pids, () => plane.stop());
  const kubeconfig = join(runDir, 'kubeconfig');
  await copyFile(plane.kubeconfig, kubeconfig);
  say(`control plane: up at ${plane.server} (pids ${plane.pids.join(' ')}); logs ${dir}/*.log; kubectl: export KUBECONFIG=${kubeconfig}`);
  const kubectl = makeKubectl(await kubectlBinary(repoRoot), kubeconfig);

  await kubectl.ok(['apply', '--server-side', '--field-manager=switchyard', '-f', join(repoRoot, 'crds')]);
  await kubectl.ok(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '-l', 'app.kubernetes.io/part-of=switchyard']);
  say('CRDs: crds/ applied and established');

  const operatorLog = join(runDir, 'operator.log');
  const operator = supervisor.start('operator', process.execPath, [join(repoRoot, 'operator/src/main.ts')], {
    env: childEnv({ KUBECONFIG: kubeconfig, SWITCHYARD_LEADER_ELECTION: 'false', SWITCHYARD_HTTP_ADDRESS: '127.0.0.1:0' }),
    cwd: repoRoot, logFile: operatorLog, graceMs: 10_000,
  });
  watch(operator, operatorLog);
  say(`operator: started node operator/src/main.ts, leader election off (pid ${operator.pid}); log ${operatorLog}`);
  return { kubectl, kubeconfig };
}

/** The SIPp callee and the webhook that dials it, then examples/ pointed at that webhook. */
async function startDemo(kubectl: Kubectl): Promise<void> {
  let calleePort = 0;
  if (onPath('sipp')) {
    calleePort = await freeLoopbackPort('UDP');
    const logFile = join(runDir, 'demo-callee.log');
    const files = { messages: join(runDir, 'demo-callee-messages.log'), errors: join(runDir, 'demo-callee-errors.log') };
    const callee = supervisor.start('demo callee (SIPp UAS)', 'sipp', calleeArgs(calleePort, files), { env: childEnv({}), cwd: runDir, logFile, graceMs: 3000 });
    watch(callee, logFile);
    say(`demo callee: SIPp UAS at sip:...@127.0.0.1:${calleePort} (pid ${callee.pid}); SIP messages in ${files.messages}`);
  } else {
    say('demo callee: skipped: sipp is not installed (apt-get install sip-tester); webhooks still dial it, so calls will fail');
  }
  const webhook = await startDemoWebhook(await freeLoopbackPort('TCP'), (name) => calleeURI(name, calleePort), say);
  supervisor.adopt('demo webhook', [], () => webhook.close());
  say(`demo webhook: ${webhook.base} answers every voice webhook with <Dial><Sip>${calleeURI('NAME', calleePort)}</Sip></Dial>; each request is printed`);

  await kubectl.ok(['apply', '-f', join(repoRoot, 'examples')]);
  say('examples: examples/ applied');
  const patches = await pointWebhooksAt(kubectl, webhook.base);
  for (const line of patches.overrides) say(`override ${line} (server-side apply, field manager ${fieldManager})`);
}

interface CarrierObject extends Observed {
  spec?: { country?: string };
}

async function carriersCompiled(kubectl: Kubectl): Promise<CarrierObject[]> {
  let seen = '';
  const carriers = await until('the operator to compile every Carrier', async () => {
    const { items } = await kubectl.json<{ items: CarrierObject[] }>(['get', 'carriers', '--all-namespaces']);
    seen = items.map((item) => `${item.metadata.name}: ${condition(item, 'Ready')?.message ?? 'no status yet'}`).join('; ') || 'no Carrier';
    return items.length > 0 && items.every((item) => compiled(item) && condition(item, 'Ready')) ? items : undefined;
  }, { timeoutMs: 120_000, signal, lastSeen: () => seen });
  return carriers;
}

async function workloadsReady(workloads: Workloads): Promise<void> {
  for (const workload of workloads.running) {
    const { process: started, readinessURL } = workload;
    const check = async () => {
      if (started.exit()) throw new GiveUp(`${started.name} exited (${started.exit()}); last lines of ${workload.logFile}:\n${await tail(workload.logFile)}`);
      return readinessURL ? probe(readinessURL) : 'running';
    };
    if (!readinessURL) await new Promise((done) => setTimeout(done, 1000));
    const body = await until(`${started.name}'s readiness probe ${readinessURL ?? ''}`, check, { timeoutMs: 60_000, signal });
    say(`${started.name}: ${readinessURL ? `ready (${readinessURL}: ${body.trim()})` : 'running (no readiness probe)'}`);
    watch(started, workload.logFile);
  }
}

/** Waits until the demo webhooks are compiled, published and served by the Carrier's worker, which the Carrier's Programmed condition confirms. */
async function programmed(kubectl: Kubectl, carrier: CarrierObject, worker: RunningWorkload): Promise<string> {
  const { name, namespace = 'default' } = carrier.metadata;
  let seen = '';
  return until(`Carrier ${name} to be Programmed with the demo webhooks`, async () => {
    const pending = (await Promise.all(webhookKinds.map((kind) => notCompiled(kubectl, kind)))).flat();
    const current = await kubectl.json<CarrierObject>(['get', 'carrier', name, '-n', namespace]);
    const published = await publishedGeneration(kubectl, namespace, name);
    const served = worker.readinessURL ? /generation (\S+)/.exec((await probe(worker.readinessURL)) ?? '')?.[1] : undefined;
    const state = condition(current, 'Programmed');
    seen = `Programmed ${state?.status ?? 'unset'} (${state?.message ?? ''}); published ${published ?? 'none'}, worker serves ${served ?? 'none'}; ${pending.length} webhook objects not compiled yet`;
    const done = pending.length === 0 && state?.status === 'True' && published !== undefined && served === published && current.status?.routingGeneration === published;
    return done ? state.message ?? `serves ${published}` : undefined;
  }, { timeoutMs: 120_000, signal, lastSeen: () => seen });
}

async function announceCall(kubectl: Kubectl, carrier: CarrierObject, workloads: Workloads): Promise<void> {
  const { name, namespace = 'default' } = carrier.metadata;
  const service = await kubectl.json<V1Service>(['get', 'service', names.sipService(name), '-n', namespace]);
  const udp = service.spec?.ports?.find((port) => port.protocol === 'UDP');
  const endpoint = udp ? workloads.services.endpoint(namespace, names.sipService(name), udp.port) : undefined;
  if (!endpoint) {
    say(`Carrier ${name}: its SIP Service has no local UDP endpoint`);
    return;
  }
  const [numbers, trunks] = await Promise.all([
    kubectl.json<{ items: NumberObject[] }>(['get', 'phonenumbers', '-n', namespace]),
    kubectl.json<{ items: TrunkObject[] }>(['get', 'inboundtrunks', '-n', namespace]),
  ]);
  const call = exampleCall({ name, namespace, country: carrier.spec?.country ?? '' }, numbers.items, trunks.items);
  if (call) say(`Carrier ${name}: call ${call.number} from 127.0.0.1${call.trunk ? ` through InboundTrunk ${call.trunk}, dialled as ${call.dialled}` : ''}${call.note ? `; note: ${call.note}` : ''}`);
  say(`SIP: udp:${endpoint.ip}:${endpoint.port}`);
  if (call) say(sippCallerCommand(endpoint, call.dialled));
  await announceRestApi(kubectl, carrier, workloads);
}

interface AccountObject {
  spec: { carrierRef: { name: string } };
  status?: { accountSID?: string; authTokenSecretRef?: { name: string } };
}

/** Where the Carrier's accounts place and list calls (Twilio's Calls.json), and the credentials of the first. */
async function announceRestApi(kubectl: Kubectl, carrier: CarrierObject, workloads: Workloads): Promise<void> {
  const { name, namespace = 'default' } = carrier.metadata;
  const service = await kubectl.json<V1Service>(['get', 'service', names.restApiService(name), '-n', namespace]);
  const port = service.spec?.ports?.[0]?.port;
  const endpoint = port === undefined ? undefined : workloads.services.endpoint(namespace, names.restApiService(name), port);
  const { items } = await kubectl.json<{ items: AccountObject[] }>(['get', 'accounts', '-n', namespace]);
  const account = items.find((item) => item.spec.carrierRef.name === name && item.status?.accountSID && item.status.authTokenSecretRef);
  if (!endpoint || !account?.status?.accountSID) return;
  say(`REST API: POST http://${endpoint.ip}:${endpoint.port}/2010-04-01/Accounts/${account.status.accountSID}/Calls.json places a call, as Twilio's does, and GET there lists the calls (Basic auth: the Account SID and the authToken in Secret ${account.status.authTokenSecretRef?.name ?? '?'})`);
}

async function startUp(): Promise<void> {
  await mkdir(runDir, { recursive: true });
  const reaped = supervisor.reapPrevious();
  if (reaped.length > 0) say(`previous run: ended ${reaped.join(', ')}, left behind by a run that was killed`);
  say(`make run: logs and state in ${runDir} (set SWITCHYARD_RUN_DIR to move them)`);
  const { kubectl, kubeconfig } = await startPlatform();
  await startDemo(kubectl);
  const carriers = await carriersCompiled(kubectl);
  const selector = ['-l', 'app.kubernetes.io/managed-by=switchyard,telecom.switchyard.dev/carrier', '--all-namespaces'];
  const [deployments, services] = await Promise.all([kubectl.json<{ items: V1Deployment[] }>(['get', 'deployments', ...selector]), kubectl.json<{ items: V1Service[] }>(['get', 'services', ...selector])]);
  say(`operator: compiled ${carriers.map((carrier) => carrier.metadata.name).join(', ')}; wrote Deployments ${deployments.items.map((item) => item.metadata?.name).join(', ')}`);
  const workloads = await startWorkloads({ repoRoot, runDir, adminKubeconfig: kubeconfig, kubectl, supervisor, say }, deployments.items, services.items);
  await workloadsReady(workloads);
  for (const carrier of carriers) {
    const worker = workloads.running.find((item) => item.plan.component === 'sip-worker' && item.plan.deployment === names.sipWorkers(carrier.metadata.name));
    if (!worker) {
      say(`Carrier ${carrier.metadata.name}: no local SIP worker, so nothing serves its calls`);
      continue;
    }
    const message = await programmed(kubectl, carrier, worker);
    say(`ready after ${seconds()} s: Carrier ${carrier.metadata.name} is Programmed: ${message}`);
    await announceCall(kubectl, carrier, workloads);
  }
  say('running; Ctrl-C stops everything this run started');
}

let stopping = false;
let startup: Promise<void> = Promise.resolve();

/** Waits for the step in progress to give up (so what it starts is tracked), then stops everything, newest first. */
function stop(reason: string, code: number): void {
  if (stopping) return;
  stopping = true;
  abort.abort();
  say(`${reason}: stopping everything this run started`);
  void startup
    .catch(() => undefined)
    .then(() => supervisor.stopAll())
    .then(() => {
      say(`stopped after ${seconds()} s`);
      process.exit(code);
    });
}

for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(name, () => {
    if (!stopping) return stop(name, 0);
    say(`${name} again: killing everything now`);
    supervisor.killAllNow();
    process.exit(130);
  });
}
// Whatever way this process ends, nothing it started outlives it.
process.on('exit', () => supervisor.killAllNow());

startup = startUp();
startup.catch((error: unknown) => {
  if (error instanceof Interrupted) return;
  say(`make run failed: ${(error as Error).message}`);
  stop('failure', 1);
});
