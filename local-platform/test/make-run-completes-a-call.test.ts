// The main job end to end, as `make run` runs it: the entry brings up its own control plane,
// operator and workloads, prints where to send SIP and a SIPp command; that exact command places
// a call through the worker to the demo callee; Ctrl-C then leaves nothing running. It uses its
// own state directory and ports, never the suite's control plane.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { processAlive } from '../../testing/control-plane/processes.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const sippProbe = spawnSync('sipp', ['-v'], { stdio: 'ignore' });
const sippMissing = sippProbe.error ? 'sipp is not installed (apt-get install sip-tester)' : false;

/** Running, not a zombie: a zombie whose parent died waits for PID 1 to reap it, which a container's init may never do. */
const alive = (pid: number) => {
  if (!processAlive(pid)) return false;
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').startsWith('Z');
  } catch {
    return false;
  }
};

/** The entry's stdout as lines, with a way to wait for one. */
function lines(child: ChildProcess) {
  const seen: string[] = [];
  let partial = '';
  const waiters = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    seen.push(...parts);
    for (const waiter of waiters) waiter();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const next = (pattern: RegExp, timeoutMs: number) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        for (const line of seen) {
          const match = pattern.exec(line);
          if (match) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(match);
            return;
          }
        }
      };
      const fail = (why: string) => {
        waiters.delete(check);
        clearTimeout(timer);
        reject(new Error(`${why} waiting for a line matching ${pattern}; the entry printed:\n${seen.join('\n')}`));
      };
      const timer = setTimeout(() => fail(`${timeoutMs / 1000} s passed`), timeoutMs);
      void exited.then((code) => setTimeout(() => fail(`the entry exited (code ${code})`), 100));
      waiters.add(check);
      check();
    });
  return { seen, next, exited };
}

function run(command: string, cwd: string, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  const child = spawn('sh', ['-c', command], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => child.once('exit', (code) => {
    clearTimeout(timer);
    resolve({ code, output });
  }));
}

test('make run serves the examples: the printed sipp command completes a call, and Ctrl-C stops everything it started', { skip: sippMissing, timeout: 900_000 }, async (t) => {
  const runDir = await mkdtemp(join(tmpdir(), 'switchyard-run-'));
  const startedAt = performance.now();
  const entry = spawn(process.execPath, [join(repoRoot, 'local-platform/main.ts')], {
    cwd: repoRoot,
    env: { ...process.env, SWITCHYARD_RUN_DIR: runDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  entry.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const output = lines(entry);
  const pids = () => output.seen.flatMap((line) => [...line.matchAll(/\bpids? ((?:\d+ ?)+)/g)].flatMap((match) => (match[1] ?? '').trim().split(' ').map(Number)));
  after(async () => {
    // Whatever failed above, nothing of this run may survive the test.
    if (entry.exitCode === null && entry.signalCode === null) entry.kill('SIGKILL');
    for (const pid of pids()) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await rm(runDir, { recursive: true, force: true });
  });

  // A first run on a fresh machine builds kube-apiserver from Go modules: minutes, hence the margin.
  const sip = await output.next(/^SIP: udp:([\d.]+):(\d+)$/, 600_000);
  const readySeconds = (performance.now() - startedAt) / 1000;
  t.diagnostic(`start to SIP: line in ${readySeconds.toFixed(1)} s (${sip[0]})`);
  const [sippCommand] = await output.next(/^sipp .*$/, 10_000);
  assert.ok(sippCommand.includes(`${sip[1]}:${sip[2]}`), `the sipp command calls the SIP address: ${sippCommand}`);
  assert.ok(output.seen.some((line) => line.startsWith('override mekong-telecom-sip-worker: replicas: 2 → 1')), 'running one replica is said');
  const messagesFile = (await output.next(/SIP messages in (\S+)/, 1000))[1] ?? '';
  // The REST API it names answers as Twilio's does: without the account's credentials, 401 and code 20003.
  const [, restApiUrl = ''] = await output.next(/^REST API: POST (http:\/\/\S+\/Calls\.json) /, 10_000);
  const unauthenticated = await fetch(restApiUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'To=%2B85512345678' });
  assert.equal(unauthenticated.status, 401, `the REST API at ${restApiUrl} asks for the account's credentials`);
  assert.equal(((await unauthenticated.json()) as { code?: number }).code, 20003);

  const call = await run(sippCommand, runDir, 90_000);
  assert.equal(call.code, 0, `the printed sipp command completes its call; its output:\n${call.output.slice(-3000)}\nthe entry printed:\n${output.seen.join('\n')}`);

  const webhook = await output.next(/^webhook: POST \/voice\/.*To=\+85512345678 → <Dial><Sip>sip:[^<]+<\/Sip><\/Dial>$/, 5000);
  assert.ok(webhook, 'the demo webhook was asked what to do with the call');
  // The worker answers the caller's BYE and then hangs up the callee's leg, so that BYE may land a moment after SIPp exits.
  const byeReceived = /message received[^\n]*\n\nBYE /;
  let messages = await readFile(messagesFile, 'utf8');
  for (let waited = 0; waited < 10_000 && !byeReceived.test(messages); waited += 200) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    messages = await readFile(messagesFile, 'utf8');
  }
  assert.match(messages, /message sent[^\n]*\n\nSIP\/2\.0 200 OK/, `the demo callee answered the INVITE; its messages:\n${messages.slice(-3000)}`);
  assert.match(messages, byeReceived, `the hang-up reached the callee; its messages:\n${messages.slice(-3000)}`);

  const started = pids();
  assert.ok(started.length >= 6, `the entry names every process it starts (control plane, operator, callee, relay, worker): ${started.join(' ')}`);
  assert.ok(started.every(alive), 'everything it started is running before Ctrl-C');
  entry.kill('SIGINT');
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([output.exited, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 120_000)))]);
  clearTimeout(timer);
  assert.equal(code, 0, `the entry stops cleanly on SIGINT; it printed:\n${output.seen.slice(-15).join('\n')}\nstderr: ${stderr.slice(-2000)}`);
  const survivors = started.filter(alive);
  assert.deepEqual(survivors, [], `processes still running after the entry exited: ${survivors.join(' ')}`);
});
