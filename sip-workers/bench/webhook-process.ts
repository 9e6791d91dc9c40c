// The customer's application in the bench, as its own process so its CPU is not the worker's:
// every voice webhook is answered with TwiML that dials the SIPp callee, and a carrier event posted
// to /events with 204. It does not check signatures (the call tests do); it prints {"port": N}
// once it listens.
//
//   node sip-workers/bench/webhook-process.ts sip:uas@127.0.0.1:5080
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const dialTarget = process.argv[2];
if (dialTarget === undefined || !dialTarget.startsWith('sip:')) {
  process.stderr.write('usage: webhook-process.ts <sip: URI to dial>\n');
  process.exit(2);
}

const twiml = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Sip>${dialTarget}</Sip></Dial></Response>`);
const server = createServer((request, response) => {
  // Drain the form body before answering so the kept-alive connection stays usable.
  request.resume();
  request.on('end', () => {
    // The carrier's event webhook (worker-step.ts with BENCH_CARRIER_EVENTS=1) takes each event.
    if (request.url === '/events') response.writeHead(204).end();
    else response.writeHead(200, { 'content-type': 'application/xml', 'content-length': twiml.length }).end(twiml);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});

// The bench holds our stdin open; when it ends (the bench exited, even by a crash) so do we.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
