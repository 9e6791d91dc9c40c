// The worker's HTTP port: /metrics for Prometheus, /livez (the process turns), /readyz (a
// routing generation is loaded and the worker is not draining, so the Service may send calls).
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthState {
  ready(): { ok: boolean; detail: string };
}

export async function startHttpServer(host: string, port: number, registry: Registry, health: HealthState): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    if (request.url === '/metrics') {
      registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: unknown) => response.writeHead(500).end(String(error)),
      );
    } else if (request.url === '/livez') {
      response.writeHead(200).end('ok\n');
    } else if (request.url === '/readyz') {
      const { ok, detail } = health.ready();
      response.writeHead(ok ? 200 : 503).end(`${detail}\n`);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
