// A Carrier's event webhook on a real API server: the operator creates the signing secret once,
// a worker process reading routing through the API signs each call's event with it, and the
// carrier's receiver verifies with the Secret it reads with kubectl. A new URL applies to the next
// call, deleting the Secret rotates the secret, and removing spec.eventWebhook stops the events. The
// worker's Lease says how its deliveries go, and the Carrier's EventWebhookDelivering follows.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { testCluster } from '../../../testing/cluster.ts';
import { installCrds } from '../../../testing/crds.ts';
import { eventually, startOperator } from '../../../testing/operator-process.ts';
import { bearerToken, verifiedClaims, type EventBody } from '../support/carrier-event-receiver.ts';
import { callablePlatform } from '../support/api-platform.ts';
import { runSipp, sippMissing } from '../support/sipp.ts';
import { callerExpecting } from '../support/scenarios.ts';
import { startWebhookServer, twiml } from '../support/webhook-server.ts';
import { startWorkerProcess } from '../support/worker-process.ts';

const cluster = await testCluster();
await installCrds(cluster);
const ns = await cluster.namespace('carrier-events');
const webhook = await startWebhookServer();
after(() => webhook.close());
webhook.route('/busy', twiml('<Reject reason="busy"/>'));
/** While set, the receiver refuses with 503: the worker retries, its Lease reports failing, the Carrier says so. */
let receiverDown = false;
for (const path of ['/events', '/events-moved']) webhook.route(path, (_hit, response) => void response.writeHead(receiverDown ? 503 : 204).end());
const operator = startOperator(cluster.kubeconfig);
after(() => operator.stop());
const worker = await startWorkerProcess({ SWITCHYARD_CARRIER: 'bayon', SWITCHYARD_NAMESPACE: ns, SWITCHYARD_KUBECONFIG: cluster.kubeconfig, SWITCHYARD_POD_NAME: 'bayon-sip-worker-test-0' });

const carrier = (eventWebhook: string) => `
apiVersion: telecom.switchyard.dev/v1alpha1
kind: Carrier
metadata: { name: bayon }
spec: { displayName: Bayon Test, country: KH${eventWebhook} }
`;
const members = callablePlatform({ carrier: 'bayon', account: 'apsara', trunk: 'bayon-sbc', numberName: 'apsara-main', number: '+85563900200', voiceURL: `${webhook.base}/busy` });
const withEvents = (path: string) => `, eventWebhook: { url: "${webhook.base}${path}" }`;

const kubectlJson = async <T>(...args: string[]) => JSON.parse(await cluster.kubectlOk([...args, '-n', ns, '-o', 'json'])) as T;
interface CarrierStatus { routingGeneration?: string; eventWebhookSigningSecret?: string; conditions?: Array<{ type: string; status: string; reason: string; message: string }> }
const carrierStatus = () => kubectlJson<{ status?: CarrierStatus }>('get', 'carrier', 'bayon');
/** The EventWebhookDelivering condition once it has this reason. */
const delivering = (reason: string) => eventually(`EventWebhookDelivering ${reason}`, async () => (await carrierStatus()).status?.conditions?.find((c) => c.type === 'EventWebhookDelivering' && c.reason === reason), 30_000, 100);
/** The signing secret as the carrier reads it, or undefined while there is none. */
const signingSecret = async () => {
  const secret = await kubectlJson<{ data?: Record<string, string> }>('get', 'secret', 'bayon-event-webhook').catch(() => undefined);
  const value = secret?.data?.['signingSecret'];
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString();
};
/** Waits until the worker serves what the operator last published and it differs from `previous`. */
const servedNew = (previous: string | undefined) => eventually('the worker serves the published generation', async () => {
  const published = (await carrierStatus()).status?.routingGeneration;
  return published !== undefined && published !== previous && (await worker.servedGeneration()) === published ? published : undefined;
}, 60_000, 100);
const posts = (path: string) => webhook.hits.filter((hit) => hit.path === path);
/** A call refused busy by its webhook, and the event that reached `path` for it (waiting up to 10 s). */
async function callAndEvent(path: string) {
  const before = posts(path).length;
  assert.equal((await runSipp({ scenario: callerExpecting(486, { to: '+85563900200' }), remote: `127.0.0.1:${worker.sipPort}`, calls: 1 })).code, 0, 'the call is refused busy');
  return eventually(`the event at ${path}`, () => Promise.resolve(posts(path)[before]), 10_000, 50);
}

test('the events of a Carrier\'s calls are signed with the secret the operator keeps for it, through URL edits, rotation and removal', { skip: sippMissing, timeout: 180_000 }, async () => {
  await cluster.kubectlOk(['apply', '-n', ns, '-f', '-'], { input: `${carrier(withEvents('/events'))}---${members}` });
  const secret = await eventually('the signing secret', signingSecret, 60_000);
  assert.match(secret, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');
  assert.equal((await carrierStatus()).status?.eventWebhookSigningSecret, 'bayon-event-webhook');
  const owners = (await kubectlJson<{ metadata: { ownerReferences?: Array<{ kind: string; name: string }> } }>('get', 'secret', 'bayon-event-webhook')).metadata.ownerReferences;
  assert.deepEqual(owners?.map((owner) => `${owner.kind}/${owner.name}`), ['Carrier/bayon']);
  let generation = await servedNew(undefined);

  const first = await callAndEvent('/events');
  assert.equal(typeof verifiedClaims(bearerToken(first.headers.authorization), secret), 'object', 'verified with the Secret the carrier reads');
  const event = JSON.parse(first.body) as EventBody;
  assert.equal(event.data.attributes.type, 'phone_call.completed');
  assert.equal(event.data.attributes.details.data.attributes.status, 'busy');
  assert.equal(event.data.attributes.details.data.attributes.inbound_trunk, 'bayon-sbc');
  assert.equal((await delivering('Delivering')).status, 'True', 'the worker\'s Lease reports its deliveries');

  receiverDown = true;
  const refusedBefore = posts('/events').length;
  await callAndEvent('/events');
  const down = await delivering('DeliveryFailing');
  assert.equal(down.status, 'False');
  assert.match(down.message, /1 of 1 workers fail to deliver events to .*\/events: bayon-sip-worker-test-0 \(HTTP 503 since /);
  assert.ok(posts('/events').length - refusedBefore >= 3, 'failing only after several refused attempts of the one event');
  await eventually('a Warning event', async () => /Warning\s+DeliveryFailing/.test(await cluster.kubectlOk(['get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=bayon', '-o', 'custom-columns=TYPE:.type,REASON:.reason', '--no-headers'])), 30_000, 200);
  receiverDown = false;
  assert.equal((await delivering('Delivering')).status, 'True', 'the retry taken: delivering again');

  await cluster.kubectlOk(['apply', '-n', ns, '-f', '-'], { input: carrier(withEvents('/events-moved')) });
  generation = await servedNew(generation);
  const moved = await callAndEvent('/events-moved');
  assert.equal(await signingSecret(), secret, 'a URL edit keeps the secret');
  assert.equal(typeof verifiedClaims(bearerToken(moved.headers.authorization), secret), 'object');

  await cluster.kubectlOk(['delete', 'secret', 'bayon-event-webhook', '-n', ns]);
  const rotated = await eventually('a new signing secret', async () => {
    const value = await signingSecret();
    return value !== undefined && value !== secret ? value : undefined;
  }, 30_000, 100);
  generation = await servedNew(generation);
  const afterRotation = await callAndEvent('/events-moved');
  assert.equal(typeof verifiedClaims(bearerToken(afterRotation.headers.authorization), rotated), 'object', 'signed with the rotated secret');
  assert.equal(typeof verifiedClaims(bearerToken(afterRotation.headers.authorization), secret), 'string', 'no longer with the old one');

  await cluster.kubectlOk(['apply', '-n', ns, '-f', '-'], { input: carrier('') });
  await eventually('the Secret removed with the webhook', async () => (await signingSecret()) === undefined, 30_000, 100);
  assert.equal((await carrierStatus()).status?.eventWebhookSigningSecret, undefined);
  await servedNew(generation);
  const before = webhook.hits.length;
  assert.equal((await runSipp({ scenario: callerExpecting(486, { to: '+85563900200' }), remote: `127.0.0.1:${worker.sipPort}`, calls: 1 })).code, 0);
  // The event of a call goes out within milliseconds of its end (the earlier calls' did); a second is ample.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.deepEqual(webhook.hits.slice(before).map((hit) => hit.path), ['/busy'], 'only the voice webhook was asked; no event');
});
