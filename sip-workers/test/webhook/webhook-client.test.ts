import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fetchTwiml } from '../../src/webhook/webhook-client.ts';
import type { TwimlRequest } from '../../src/webhook/webhook-client.ts';
import { AUTH_TOKEN, answerTwiml, closedPort, param, startCustomerWebhook } from './customer-webhook.ts';
import type { CustomerWebhook } from './customer-webhook.ts';

const CALL_PARAMS: [string, string][] = [
  ['CallSid', 'CA0123456789abcdef0123456789abcdef'],
  ['From', '+85512345678'],
  ['To', '+85523999000'],
  ['SipHeader_X-Note', 'a b&c=d+é'],
];
const DIAL_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Number>+85523999000</Number></Dial></Response>';
const FALLBACK_TWIML = '<Response><Reject reason="busy"/></Response>';

let webhook: CustomerWebhook;
before(async () => {
  webhook = await startCustomerWebhook();
  webhook.route('/voice', answerTwiml(DIAL_TWIML));
  webhook.route('/fallback', answerTwiml(FALLBACK_TWIML));
  webhook.route('/error', (_request, response) => response.writeHead(500).end('Internal Server Error'));
  webhook.route('/html', (_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Welcome</body></html>'));
  // Never answers within any test's timeout; the connection is closed with the server.
  webhook.route('/slow', () => undefined);
});
after(() => webhook.close());

function request(overrides: Partial<TwimlRequest>): TwimlRequest {
  return {
    primary: { url: `${webhook.baseUrl}/voice`, method: 'POST' },
    params: CALL_PARAMS,
    authToken: AUTH_TOKEN,
    timeoutMs: 2000,
    ...overrides,
  };
}

function requestsTo(path: string, since: number): CustomerWebhook['requests'] {
  return webhook.requests.slice(since).filter((received) => received.path === path);
}

test('POST: a signed form with the call parameters; the TwiML answer is parsed', async () => {
  const since = webhook.requests.length;
  const result = await fetchTwiml(request({}));
  assert.ok(result.ok, result.ok ? '' : result.reason);
  assert.equal(result.twiml, DIAL_TWIML);
  assert.equal(result.url, `${webhook.baseUrl}/voice`);
  assert.equal(result.usedFallback, false);
  assert.deepEqual(result.document.verbs, [
    { verb: 'Dial', targets: [{ noun: 'Number', number: '+85523999000' }], timeout: 30, method: 'POST', answerOnBridge: false },
  ]);

  const [received] = requestsTo('/voice', since);
  assert.ok(received !== undefined);
  assert.equal(received.method, 'POST');
  assert.equal(received.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.equal(received.headers['accept'], 'application/xml, text/xml');
  assert.match(received.headers['user-agent'] ?? '', /^Switchyard\/0\.1/);
  assert.deepEqual(received.params, CALL_PARAMS);
  assert.ok(received.signatureValid, 'the customer validates X-Twilio-Signature');
});

test('GET: the parameters go in the query string, the signature covers the full URL', async () => {
  const since = webhook.requests.length;
  const result = await fetchTwiml(request({ primary: { url: `${webhook.baseUrl}/voice?tenant=7`, method: 'GET' } }));
  assert.ok(result.ok, result.ok ? '' : result.reason);
  const [received] = requestsTo('/voice', since);
  assert.ok(received !== undefined);
  assert.equal(received.method, 'GET');
  assert.equal(received.body, '');
  assert.deepEqual(received.params, [['tenant', '7'], ...CALL_PARAMS]);
  assert.ok(received.signatureValid, 'the customer validates the signature over the URL it was called at');
});

test('a custom signature header name carries the same signature', async () => {
  const custom = await startCustomerWebhook('X-Carrier-Signature');
  try {
    custom.route('/voice', answerTwiml(DIAL_TWIML));
    const result = await fetchTwiml(request({ primary: { url: `${custom.baseUrl}/voice`, method: 'POST' }, signatureHeader: 'X-Carrier-Signature' }));
    assert.ok(result.ok);
    assert.ok(custom.requests[0]?.signatureValid);
    assert.equal(custom.requests[0]?.headers['x-twilio-signature'], undefined);
  } finally {
    await custom.close();
  }
});

test('primary answers 500: the fallback gets the parameters plus ErrorCode 11200 and ErrorUrl, signed', async () => {
  const since = webhook.requests.length;
  const primary = { url: `${webhook.baseUrl}/error`, method: 'POST' } as const;
  const result = await fetchTwiml(request({ primary, fallback: { url: `${webhook.baseUrl}/fallback`, method: 'POST' } }));
  assert.ok(result.ok, result.ok ? '' : result.reason);
  assert.equal(result.usedFallback, true);
  assert.equal(result.url, `${webhook.baseUrl}/fallback`);
  assert.deepEqual(result.document.verbs, [{ verb: 'Reject', reason: 'busy' }]);
  assert.equal(result.attempts[0]?.errorCode, 11200);

  const [received] = requestsTo('/fallback', since);
  assert.ok(received !== undefined);
  assert.deepEqual(received.params, [...CALL_PARAMS, ['ErrorCode', '11200'], ['ErrorUrl', primary.url]]);
  assert.ok(received.signatureValid);
});

test('primary times out: the fallback is used with ErrorCode 11205, within the timeout', async () => {
  const since = webhook.requests.length;
  const started = performance.now();
  const result = await fetchTwiml(request({
    primary: { url: `${webhook.baseUrl}/slow`, method: 'POST' },
    fallback: { url: `${webhook.baseUrl}/fallback`, method: 'GET' },
    timeoutMs: 300,
  }));
  const elapsed = performance.now() - started;
  assert.ok(result.ok, result.ok ? '' : result.reason);
  assert.equal(result.usedFallback, true);
  assert.ok(elapsed >= 290 && elapsed < 2000, `took ${elapsed} ms`);
  const [received] = requestsTo('/fallback', since);
  assert.equal(param(received, 'ErrorCode'), '11205');
  assert.ok(received?.signatureValid);
});

test('a body that is not TwiML sends the call to the fallback with ErrorCode 12100', async () => {
  const since = webhook.requests.length;
  const result = await fetchTwiml(request({
    primary: { url: `${webhook.baseUrl}/html`, method: 'POST' },
    fallback: { url: `${webhook.baseUrl}/fallback`, method: 'POST' },
  }));
  assert.ok(result.ok && result.usedFallback);
  assert.equal(param(requestsTo('/fallback', since)[0], 'ErrorCode'), '12100');
  assert.match(result.attempts[0]?.detail ?? '', /<html>, not <Response>/);
});

test('both URLs unreachable: an error value listing both attempts', async () => {
  const [primaryPort, fallbackPort] = [await closedPort(), await closedPort()];
  const result = await fetchTwiml(request({
    primary: { url: `http://127.0.0.1:${primaryPort}/voice`, method: 'POST' },
    fallback: { url: `http://127.0.0.1:${fallbackPort}/fallback`, method: 'POST' },
  }));
  assert.ok(!result.ok);
  assert.deepEqual(result.attempts.map((attempt) => [attempt.url, attempt.errorCode]), [
    [`http://127.0.0.1:${primaryPort}/voice`, 11205],
    [`http://127.0.0.1:${fallbackPort}/fallback`, 11205],
  ]);
  assert.match(result.reason, /ECONNREFUSED/);
});

test('primary fails without a fallback: an error value, one attempt', async () => {
  const result = await fetchTwiml(request({ primary: { url: `${webhook.baseUrl}/error`, method: 'POST' } }));
  assert.ok(!result.ok);
  assert.equal(result.attempts.length, 1);
  assert.match(result.reason, /HTTP 500/);
});

test('bodies over the limit are refused (ErrorCode 11750), with or without Content-Length', async () => {
  const big = `<Response>${'<Pause/>'.repeat(10_000)}</Response>`;
  webhook.route('/big-declared', (_request, response) => response.writeHead(200, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(big) }).end(big));
  webhook.route('/big-chunked', (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/xml' });
    response.write(big.slice(0, 40_000));
    response.end(big.slice(40_000));
  });
  for (const path of ['/big-declared', '/big-chunked']) {
    const since = webhook.requests.length;
    const result = await fetchTwiml(request({
      primary: { url: `${webhook.baseUrl}${path}`, method: 'POST' },
      fallback: { url: `${webhook.baseUrl}/fallback`, method: 'POST' },
      maxBodyBytes: 64 * 1024,
    }));
    assert.ok(result.ok && result.usedFallback, path);
    assert.equal(param(requestsTo('/fallback', since)[0], 'ErrorCode'), '11750', path);
  }
  // The same document under a larger limit is accepted: the limit, not the content, refused it.
  const accepted = await fetchTwiml(request({ primary: { url: `${webhook.baseUrl}/big-chunked`, method: 'POST' }, maxBodyBytes: 128 * 1024 }));
  assert.ok(accepted.ok && accepted.document.verbs.length === 10_000);
});

test('relative <Redirect> URLs resolve against the URL that answered', async () => {
  webhook.route('/ivr/start', answerTwiml('<Response><Redirect method="GET">menu?step=2</Redirect></Response>'));
  const result = await fetchTwiml(request({ primary: { url: `${webhook.baseUrl}/ivr/start`, method: 'POST' } }));
  assert.ok(result.ok);
  assert.deepEqual(result.document.verbs, [{ verb: 'Redirect', url: `${webhook.baseUrl}/ivr/menu?step=2`, method: 'GET' }]);
});

test('HTTP redirects are followed: a 303 turns the POST into a GET, a 307 keeps it; relative URLs resolve against the URL that answered', async () => {
  webhook.route('/ivr/menu', answerTwiml('<Response><Redirect method="GET">step-2</Redirect></Response>'));
  webhook.route('/moved-303', (_request, response) => response.writeHead(303, { location: '/ivr/menu' }).end());
  webhook.route('/moved-307', (_request, response) => response.writeHead(307, { location: `${webhook.baseUrl}/ivr/menu` }).end('see there'));
  for (const [path, method] of [['/moved-303', 'GET'], ['/moved-307', 'POST']] as const) {
    const since = webhook.requests.length;
    const result = await fetchTwiml(request({ primary: { url: `${webhook.baseUrl}${path}`, method: 'POST' } }));
    assert.ok(result.ok, path);
    assert.equal(result.url, `${webhook.baseUrl}${path}`, 'the configured URL answered');
    assert.deepEqual(result.document.verbs, [{ verb: 'Redirect', url: `${webhook.baseUrl}/ivr/step-2`, method: 'GET' }], path);
    const [followed] = requestsTo('/ivr/menu', since);
    assert.equal(followed?.method, method, path);
    // The form body travels with a 307 and is dropped with a 303.
    assert.deepEqual(followed.params, method === 'POST' ? CALL_PARAMS : [], path);
  }
});

test('an abandoned fetch (the caller hung up) does not try the fallback', async () => {
  const since = webhook.requests.length;
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  const result = await fetchTwiml(request({
    primary: { url: `${webhook.baseUrl}/slow`, method: 'POST' },
    fallback: { url: `${webhook.baseUrl}/fallback`, method: 'POST' },
    signal: controller.signal,
  }));
  assert.ok(!result.ok);
  assert.equal(result.attempts.length, 1);
  assert.equal(requestsTo('/fallback', since).length, 0);
});

test('a request that timed out on a kept-alive connection is not sent again', async () => {
  const fresh = await startCustomerWebhook();
  try {
    fresh.route('/voice', answerTwiml(DIAL_TWIML));
    fresh.route('/slow', () => undefined);
    // Warm a connection, so the slow request goes out on a reused one.
    assert.ok((await fetchTwiml(request({ primary: { url: `${fresh.baseUrl}/voice`, method: 'POST' } }))).ok);
    const result = await fetchTwiml(request({ primary: { url: `${fresh.baseUrl}/slow`, method: 'POST' }, timeoutMs: 150 }));
    assert.ok(!result.ok);
    assert.equal(result.attempts[0]?.errorCode, 11205);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(fresh.requests.map((received) => received.path), ['/voice', '/slow']);
  } finally {
    await fresh.close();
  }
});

test('consecutive webhooks to one server reuse a kept-alive connection', async () => {
  const fresh = await startCustomerWebhook();
  try {
    fresh.route('/voice', answerTwiml(DIAL_TWIML));
    for (let i = 0; i < 6; i++) assert.ok((await fetchTwiml(request({ primary: { url: `${fresh.baseUrl}/voice`, method: 'POST' } }))).ok);
    // A connection returns to the pool a tick after the body ends, so back-to-back requests may
    // alternate between two; without keep-alive each would open its own.
    const connections = new Set(fresh.requests.map((received) => received.connection));
    assert.equal(fresh.requests.length, 6);
    assert.ok(connections.size <= 2, `${connections.size} connections for 6 requests`);
  } finally {
    await fresh.close();
  }
});

test('user info in the webhook URL goes out as Basic credentials, never in the request line', async () => {
  const since = webhook.requests.length;
  const withCredentials = webhook.baseUrl.replace('http://', 'http://acme%40ops:s3cr%3At@');
  const result = await fetchTwiml(request({ primary: { url: `${withCredentials}/voice`, method: 'POST' } }));
  assert.ok(result.ok, result.ok ? '' : result.reason);
  const [received] = requestsTo('/voice', since);
  assert.equal(received?.headers['authorization'], `Basic ${Buffer.from('acme@ops:s3cr:t').toString('base64')}`);
});
