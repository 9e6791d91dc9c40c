// switchyard test-event on a real API server: it reads the Carrier's event webhook and the signing
// secret the operator keeps (written here as the operator writes it), and a local receiver
// verifies the sample event's token as a carrier's would.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { testCluster } from '../../testing/cluster.ts';
import { installCrds } from '../../testing/crds.ts';
import { bearerToken, verifiedClaims, type EventBody } from '../../sip-workers/test/support/carrier-event-receiver.ts';
import { startWebhookServer } from '../../sip-workers/test/support/webhook-server.ts';
import { runBin } from './run-cli.ts';

const cluster = await testCluster();
await installCrds(cluster);
const ns = await cluster.namespace('test-event');
const receiver = await startWebhookServer();
after(() => receiver.close());
let answer = 204;
receiver.route('/events', (_hit, response) => void response.writeHead(answer, { 'content-type': 'text/plain' }).end(answer === 204 ? '' : 'bad token'));
const signingSecret = 'sKmfhJw3Q6eD8Yc0vH2uR5tN1pLzXa9bGiOyE4Wq7Mk';
const carrier = (name: string, eventWebhook: string) => `apiVersion: telecom.switchyard.dev/v1alpha1
kind: Carrier
metadata: {name: ${name}}
spec: {displayName: ${name}, country: KH${eventWebhook}}
`;
await cluster.kubectlOk(['apply', '-n', ns, '-f', '-'], {
  input: `${carrier('preah', `, eventWebhook: {url: "${receiver.base}/events"}`)}---
${carrier('plain', '')}---
${carrier('fresh', `, eventWebhook: {url: "${receiver.base}/events"}`)}---
apiVersion: v1
kind: Secret
metadata: {name: preah-event-webhook}
stringData: {signingSecret: ${signingSecret}}
`,
});
const run = (name: string) => runBin(['test-event', '--carrier', `${ns}/${name}`, '--kubeconfig', cluster.kubeconfig]);

describe('switchyard test-event', () => {
  test('POSTs a sample phone_call.completed signed with the Carrier\'s secret, marked as a test, and says the receiver took it', async () => {
    const result = await run('preah');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^POST ${receiver.base}/events: HTTP 204 in \\d+ ms\\nThe receiver took event [0-9a-f-]{36}\\.\\n$`));
    const hit = receiver.hits.at(-1);
    assert.ok(hit);
    assert.equal(typeof verifiedClaims(bearerToken(hit.headers.authorization), signingSecret), 'object', 'the token verifies with the Secret\'s signing secret');
    assert.equal(hit.headers['x-switchyard-test-event'], '1');
    const event = JSON.parse(hit.body) as EventBody;
    assert.equal(event.data.attributes.type, 'phone_call.completed');
    assert.equal(event.data.attributes.details.data.id, `CA${'0'.repeat(32)}`);
    assert.equal(event.data.attributes.details.data.attributes.duration, 42);
  });

  test('a refusal exits 1 with the receiver\'s answer', async () => {
    answer = 401;
    const result = await run('preah');
    answer = 204;
    assert.equal(result.code, 1);
    assert.match(result.stdout, /HTTP 401 in \d+ ms: bad token\n.*never retried/);
  });

  test('a Carrier without an event webhook, or whose Secret is not there yet, is an error that says so', async () => {
    const plain = await run('plain');
    assert.equal(plain.code, 2);
    assert.match(plain.stderr, /Carrier test-event-[a-z0-9-]+\/plain sets no spec\.eventWebhook/);
    const fresh = await run('fresh');
    assert.equal(fresh.code, 2);
    assert.match(fresh.stderr, /fresh-event-webhook does not exist yet: the operator creates it/);
    assert.equal((await run('absent')).code, 2);
  });
});
