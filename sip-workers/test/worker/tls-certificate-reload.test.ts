// A renewed certificate (cert-manager rewrites the Secret, the kubelet the mounted files) is
// served to new TLS connections without a restart; a half-written pair is not applied.
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, test } from 'node:test';
import pino from 'pino';
import { SipTransport } from '../../src/sip/transport.ts';
import { readTlsSettings, watchTlsCredentials } from '../../src/worker/tls-credentials.ts';
import { selfSignedCertificate } from '../support/tls-certificate.ts';
import { eventually } from '../../../testing/operator-process.ts';

const cleanup: Array<() => unknown> = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

/** The SHA-256 fingerprint of the certificate a new TLS connection to `port` is shown. */
function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.destroy();
    });
    socket.on('error', reject);
  });
}

test('a renewed certificate is served to new connections within the reload interval; a mismatched pair is not', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-tls-reload-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const first = selfSignedCertificate(dir, 'first');
  const renewed = selfSignedCertificate(dir, 'renewed');
  const files = { port: 0, certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') };
  await copyFile(first.certFile, files.certFile);
  await copyFile(first.keyFile, files.keyFile);
  const settings = await readTlsSettings(files);
  const transport = await SipTransport.listen({ tls: settings });
  cleanup.push(() => transport.close());
  const stop = watchTlsCredentials(files, settings, (credentials) => transport.setTlsCredentials(credentials), pino({ level: 'silent' }), 50);
  cleanup.push(stop);
  const fingerprintOf = async (certificate: { certFile: string; keyFile: string }) => {
    const probe = await SipTransport.listen({ tls: await readTlsSettings({ port: 0, ...certificate }) });
    try {
      return await servedFingerprint(probe.tlsPort);
    } finally {
      await probe.close();
    }
  };
  const firstPrint = await fingerprintOf(first);
  const renewedPrint = await fingerprintOf(renewed);
  assert.notEqual(firstPrint, renewedPrint);
  assert.equal(await servedFingerprint(transport.tlsPort), firstPrint);

  // Half a renewal: the new certificate with the old key. setSecureContext refuses the pair.
  await writeFile(files.certFile, renewed.cert);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(await servedFingerprint(transport.tlsPort), firstPrint, 'a certificate without its key is not applied');

  await writeFile(files.keyFile, renewed.key);
  await eventually('the renewed certificate served', async () => (await servedFingerprint(transport.tlsPort)) === renewedPrint, 3000, 50);
});
