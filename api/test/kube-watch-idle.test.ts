// A watch connection that goes silent (a dead peer, a dropped NAT entry) is closed after the
// watcher's idle timeout with WatchIdleTimeout, after delivering what came before: the worker's
// manifest watch (sip-workers/src/routing/object-watch.ts) resumes from there without a pause.
// A live API server cannot be made to fall silent on demand, so a local HTTPS server plays the
// dead connection after one bookmark.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { selfSignedCertificate } from '../../sip-workers/test/support/tls-certificate.ts';
import { apiClient, WatchIdleTimeout, type WatchEvent } from '../kube/client.ts';

test('a silent watch ends with WatchIdleTimeout after its idle timeout, having delivered what came before', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-watch-idle-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const certificate = selfSignedCertificate(dir);
  const server = createServer({ key: certificate.key, cert: certificate.cert }, (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.write('{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"7"}}}\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const { port } = server.address() as AddressInfo;
  const client = apiClient({ server: new URL(`https://127.0.0.1:${port}`), tls: { ca: certificate.cert, rejectUnauthorized: true }, headers: () => ({}) }, { qps: 10, burst: 10, maxConnections: 1 });
  const events: WatchEvent[] = [];
  const started = performance.now();
  await assert.rejects(client.watch('/api/v1/namespaces/x/configmaps?watch=1', (event) => events.push(event), new AbortController().signal, { idleTimeoutMs: 300 }), WatchIdleTimeout);
  assert.ok(performance.now() - started >= 300, 'not before the idle timeout');
  assert.deepEqual(events.map((event) => event.type), ['BOOKMARK']);
});
