// SIP over TLS end to end: a carrier's SBC calls the worker's TLS port, and the worker dials a
// sip:...;transport=tls callee, checking its certificate. SIPp plays both (behind TLS pipes, as
// this SIPp has no TLS of its own); the worker holds a real certificate from files, as the
// operator mounts it from a kubernetes.io/tls Secret.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { calleeAnsweringOverTls, callerAnsweredOverTls } from '../support/scenarios.ts';
import { freeUdpPort, runSipp, sippMissing, startSippServer } from '../support/sipp.ts';
import type { SippResult } from '../support/sipp.ts';
import { selfSignedCertificate } from '../support/tls-certificate.ts';
import type { TestCertificate } from '../support/tls-certificate.ts';
import { tcpToTls, tlsToTcp } from '../support/tls-bridge.ts';
import type { TlsBridge } from '../support/tls-bridge.ts';
import { startWebhookServer, twiml } from '../support/webhook-server.ts';
import type { WebhookServer } from '../support/webhook-server.ts';
import { startTestWorker } from '../support/worker-harness.ts';
import type { TestWorker } from '../support/worker-harness.ts';
import { freeFixturePorts, numbers, trunkCallRouting } from './trunk-call-fixture.ts';

const ok = (result: SippResult, what: string) => assert.equal(result.code, 0, `${what}: sipp exited ${result.code}\n${result.stderr.slice(-1500)}\n${result.stdout.slice(-1500)}`);

describe('calls over TLS', { skip: sippMissing, timeout: 60_000 }, () => {
  let dir: string;
  let certificate: TestCertificate;
  let webhook: WebhookServer;
  let worker: TestWorker;
  const bridges: TlsBridge[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchyard-tls-calls-'));
    certificate = selfSignedCertificate(dir, 'sip');
    webhook = await startWebhookServer();
    worker = await startTestWorker(trunkCallRouting(webhook.base, await freeFixturePorts()), {
      tls: { port: 0, certFile: certificate.certFile, keyFile: certificate.keyFile, caFile: certificate.certFile },
    });
    webhook.route('/status', (_hit, response) => void response.writeHead(204).end());
  });
  after(async () => {
    for (const bridge of bridges) await bridge.close();
    await worker.close();
    await webhook.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a caller on the TLS port reaches a sip:...;transport=tls callee over TLS, and both hang up over TLS', async () => {
    const calleePort = await freeUdpPort();
    const toCallee = await tlsToTcp(calleePort, certificate);
    bridges.push(toCallee);
    const callee = await startSippServer({ scenario: calleeAnsweringOverTls(toCallee.port), localPort: calleePort, transport: 'tcp', calls: 1 });
    webhook.route('/voice', twiml(`<Dial timeout="5"><Sip>sip:agent@127.0.0.1:${toCallee.port};transport=tls</Sip></Dial>`));
    const fromCaller = await tcpToTls(worker.running.transport.tlsPort, certificate.cert);
    bridges.push(fromCaller);
    ok(await runSipp({ scenario: callerAnsweredOverTls({ to: numbers.clinic }), remote: `127.0.0.1:${fromCaller.port}`, transport: 'tcp', calls: 1 }), 'caller (its 200 named a TLS Contact)');
    ok(await callee.exited, 'callee (INVITE over TLS, then ACK and BYE)');
  });
});
