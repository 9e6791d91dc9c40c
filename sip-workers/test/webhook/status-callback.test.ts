import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { postStatusCallback } from '../../src/webhook/status-callback.ts';
import { AUTH_TOKEN, closedPort, param, startCustomerWebhook } from './customer-webhook.ts';
import type { CustomerWebhook } from './customer-webhook.ts';

const PARAMS: [string, string][] = [
  ['CallSid', 'CA0123456789abcdef0123456789abcdef'],
  ['CallStatus', 'completed'],
  ['CallDuration', '62'],
  ['Timestamp', 'Thu, 05 Mar 2026 14:07:09 +0000'],
];

let webhook: CustomerWebhook;
before(async () => {
  webhook = await startCustomerWebhook();
  webhook.route('/status', (_request, response) => response.writeHead(204).end());
  webhook.route('/status-chatty', (_request, response) => response.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(200_000)));
  webhook.route('/status-error', (_request, response) => response.writeHead(503).end());
  webhook.route('/status-slow', () => undefined);
});
after(() => webhook.close());

test('posts the signed parameters and reports the status code', async () => {
  const since = webhook.requests.length;
  const result = await postStatusCallback({ target: { url: `${webhook.baseUrl}/status`, method: 'POST' }, params: PARAMS, authToken: AUTH_TOKEN, timeoutMs: 2000 });
  assert.deepEqual(result, { ok: true, url: `${webhook.baseUrl}/status`, status: 204 });
  const received = webhook.requests[since];
  assert.equal(received?.method, 'POST');
  assert.deepEqual(received?.params, PARAMS);
  assert.ok(received?.signatureValid);
});

test('GET status callbacks carry the parameters in the query, signed over the full URL', async () => {
  const since = webhook.requests.length;
  const result = await postStatusCallback({ target: { url: `${webhook.baseUrl}/status`, method: 'GET' }, params: PARAMS, authToken: AUTH_TOKEN, timeoutMs: 2000 });
  assert.ok(result.ok);
  const received = webhook.requests[since];
  assert.equal(received?.method, 'GET');
  assert.equal(param(received, 'CallDuration'), '62');
  assert.ok(received?.signatureValid);
});

test('a large answer body is ignored, not an error', async () => {
  const result = await postStatusCallback({ target: { url: `${webhook.baseUrl}/status-chatty`, method: 'POST' }, params: PARAMS, authToken: AUTH_TOKEN, timeoutMs: 2000 });
  assert.deepEqual(result, { ok: true, url: `${webhook.baseUrl}/status-chatty`, status: 200 });
});

test('failures resolve as values: HTTP error, timeout, unreachable, malformed URL', async () => {
  const post = (url: string, timeoutMs = 2000): ReturnType<typeof postStatusCallback> =>
    postStatusCallback({ target: { url, method: 'POST' }, params: PARAMS, authToken: AUTH_TOKEN, timeoutMs });
  const port = await closedPort();
  const [httpError, timeout, unreachable, malformed] = await Promise.all([
    post(`${webhook.baseUrl}/status-error`),
    post(`${webhook.baseUrl}/status-slow`, 200),
    post(`http://127.0.0.1:${port}/status`),
    post('not a url'),
  ]);
  assert.ok(!httpError.ok && httpError.failure.kind === 'http-status' && httpError.failure.status === 503);
  assert.ok(!timeout.ok && timeout.failure.kind === 'timeout');
  assert.ok(!unreachable.ok && unreachable.failure.kind === 'network');
  assert.ok(!malformed.ok && malformed.failure.kind === 'invalid-url');
});
