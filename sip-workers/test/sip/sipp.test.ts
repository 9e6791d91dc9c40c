// Interop smoke test: SIPp's built-in UAC scenario (INVITE → 100/180/200 → ACK → BYE → 200)
// against a tiny TU on our transaction layer, all on 127.0.0.1. Skipped only when the sipp
// binary is absent (Debian: apt-get install sip-tester).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import type { SipRequest } from '../../src/sip/message.ts';
import { TransactionLayer } from '../../src/sip/transaction-layer.ts';
import { SipTransport } from '../../src/sip/transport.ts';

const probe: unknown = spawnSync('sipp', ['-v'], { stdio: 'ignore' }).error;
const sippMissing = probe instanceof Error && 'code' in probe && probe.code === 'ENOENT';

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

const CALLS = 10;

test(`SIPp uac scenario completes ${CALLS} calls against the transaction layer`, { skip: sippMissing ? 'sipp binary not installed (apt-get install sip-tester)' : false, timeout: 20_000 }, async () => {
  const transport = await SipTransport.listen();
  const seen: string[] = [];
  const layer = new TransactionLayer(transport, {
    onRequest: (request: SipRequest, tx) => {
      seen.push(request.method);
      const contact = [{ name: 'Contact', value: `<sip:switchyard@${transport.sentBy}>` }];
      if (request.method === 'INVITE') {
        void tx.reply(180, { headers: contact }).then(() => tx.reply(200, { headers: contact }));
      } else {
        void tx.reply(request.method === 'BYE' ? 200 : 501);
      }
    },
    onAck: () => seen.push('ACK'),
  });
  const localPort = await freeUdpPort();
  const sipp = spawn(
    'sipp',
    ['-sn', 'uac', `127.0.0.1:${transport.port}`, '-i', '127.0.0.1', '-p', String(localPort), '-m', String(CALLS), '-l', '5', '-r', '50',
      '-timeout', '15s', '-timeout_error', '-recv_timeout', '5000', '-nostdin', '-trace_err', '-error_file', '/dev/null'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  sipp.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => sipp.on('exit', (c) => resolve(c)));
  layer.close();
  await transport.close();
  assert.equal(code, 0, `sipp exited ${code}: ${stderr.slice(0, 500)}`);
  for (const method of ['INVITE', 'ACK', 'BYE']) assert.equal(seen.filter((m) => m === method).length, CALLS, method);
});
