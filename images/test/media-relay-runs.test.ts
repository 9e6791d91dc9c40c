// The flags the operator gives the media relay, tried on a real rtpengine (Debian's
// rtpengine-daemon, the package the image installs) the way the pod runs it: an unprivileged user
// with no capabilities and no_new_privs. It must start and answer an ng ping on the control port.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { after, test } from 'node:test';
import type { V1Deployment } from '@kubernetes/client-node';
import { ngPort } from '../../operator/src/compile/workloads/media-relay.ts';
import { carrierWorkloads } from '../../operator/src/compile/workloads/index.ts';
import { nonRootID } from '../../operator/src/compile/workloads/pod-hardening.ts';
import { exampleSpec, find, inputsFor } from '../../operator/test/workloads/fixtures.ts';

const installed = spawnSync('rtpengine', ['--version'], { encoding: 'utf8' });
const missing = installed.error ? 'rtpengine is not installed (apt-get install rtpengine-daemon)' : false;

function ngPing(host: string, timeoutMs: number): Promise<string> {
  const socket = createSocket('udp4');
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ng answer from ${host}:${ngPort}`)), timeoutMs);
    socket.on('message', (message) => {
      clearTimeout(timer);
      resolve(message.toString());
    });
    socket.send('probe1 d7:command4:pinge', ngPort, host);
  }).finally(() => socket.close());
}

test('rtpengine starts with the operator\'s flags as an unprivileged user and answers ng ping', { skip: missing }, async () => {
  // A loopback address of its own, so the fixed ng port collides with nothing else on the machine.
  const podIP = `127.${20 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
  const container = find<V1Deployment>(carrierWorkloads(inputsFor(exampleSpec())), 'Deployment', 'mekong-telecom-media-relay').spec?.template.spec?.containers[0];
  // The kubelet expands $(POD_IP); the example's port range, moved clear of other tests' ports.
  const args = (container?.args ?? []).map((arg) => arg.replaceAll('$(POD_IP)', podIP).replace(/^--port-min=\d+$/, '--port-min=47000').replace(/^--port-max=\d+$/, '--port-max=47100'));
  assert.ok(args.includes('--table=-1'), 'userspace forwarding');
  assert.ok(args.includes('--config-file=none'), 'Debian\'s /etc/rtpengine/rtpengine.conf is not read');
  const [command = '', ...rest] = container?.command ?? [];
  const unprivileged = process.getuid?.() === 0
    ? ['setpriv', [`--reuid=${nonRootID}`, `--regid=${nonRootID}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs', command, ...rest, ...args]] as const
    : [command, [...rest, ...args]] as const;
  const relay = spawn(unprivileged[0], unprivileged[1], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  relay.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  after(() => relay.kill('SIGKILL'));
  let answer = '';
  for (let attempt = 0; attempt < 20 && !answer && relay.exitCode === null; attempt++) answer = await ngPing(podIP, 250).catch(() => '');
  assert.equal(answer, 'probe1 d6:result4:ponge', `rtpengine ${args.join(' ')}: ${stderr.slice(-1000)}`);
  assert.match(stderr, /Startup complete/);
});
