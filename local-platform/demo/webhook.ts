// The demo customer's web application: every voice webhook answers TwiML that dials the demo
// callee (a SIPp UAS) over SIP; status callbacks are accepted. Each request is one line of output.
import { createServer, type IncomingMessage } from 'node:http';

export interface DemoWebhook {
  base: string;
  close(): Promise<void>;
}

async function paramsOf(request: IncomingMessage): Promise<URLSearchParams> {
  const query = new URL(request.url ?? '/', 'http://local').searchParams;
  if (request.method !== 'POST') return query;
  let body = '';
  for await (const chunk of request) body += (chunk as Buffer).toString();
  return new URLSearchParams(body);
}

/** `calleeURI(name)` is the SIP URI a webhook for the object `name` dials. */
export async function startDemoWebhook(port: number, calleeURI: (name: string) => string, log: (line: string) => void): Promise<DemoWebhook> {
  const server = createServer((request, response) => {
    void (async () => {
      const path = new URL(request.url ?? '/', 'http://local').pathname;
      const params = await paramsOf(request);
      const [, route, , name = 'demo'] = path.split('/');
      const call = `CallSid=${params.get('CallSid') ?? '?'} From=${params.get('From') ?? '?'} To=${params.get('To') ?? '?'}`;
      if (route === 'status') {
        log(`webhook: ${request.method} ${path} ${call} CallStatus=${params.get('CallStatus') ?? '?'}`);
        response.writeHead(204).end();
        return;
      }
      const twiml = `<Dial><Sip>${calleeURI(name)}</Sip></Dial>`;
      log(`webhook: ${request.method} ${path} ${call} → ${twiml}`);
      response.writeHead(200, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?><Response>${twiml}</Response>`);
    })().catch(() => response.writeHead(500).end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    base: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
