// The push service process started as the operator's Deployment starts it: the container's
// command and environment from the operator's own compile, each Secret volume written where the
// kubelet would mount it (under a temporary root), and only the gateway URLs, their CA and the
// listen address added. It serves the workers' HTTP API and pushes through both fake gateways.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Deployment } from '@kubernetes/client-node';
import { carrierWorkloads } from '../../../operator/src/compile/workloads/index.ts';
import { exampleSpec, find, inputsFor } from '../../../operator/test/workloads/fixtures.ts';
import { eventually } from '../../../testing/operator-process.ts';
import { deviceToken, keyID, projectID, startGateways, teamID, topic } from './push-harness.ts';
import { startPushPod } from './push-pod.ts';

const push = {
  apns: { teamID, keyID, topic, environment: 'production' as const, privateKeySecretRef: { name: 'apns-key', key: 'AuthKey_KEY1234567.p8' } },
  fcm: { projectID, serviceAccountSecretRef: { name: 'fcm-key', key: 'firebase.json' } },
};
const deployment = find<V1Deployment>(carrierWorkloads(inputsFor(exampleSpec({ push }))), 'Deployment', 'mekong-telecom-push');
const container = deployment.spec?.template.spec?.containers[0];

test('the push service runs as the Deployment starts it, answers the workers\' API and pushes through APNs and FCM', async () => {
  assert.deepEqual(container?.command, ['node', 'sip-workers/src/push/main.ts']);
  const podEnv = Object.fromEntries((container?.env ?? []).map((variable) => [variable.name, variable.value ?? '']));
  assert.equal(podEnv.SWITCHYARD_HTTP_PORT, '8080');

  const { certificate, appleKey, apns, fcm, serviceAccountJson: serviceAccount } = await startGateways();
  // No pod name: outside a cluster the service keeps no Lease (push-credentials-reach-the-carrier tests that one).
  const { child, logs, base, exited, stderr } = await startPushPod({
    deployment,
    secrets: { 'apns-key': { 'AuthKey_KEY1234567.p8': appleKey.pem }, 'fcm-key': { 'firebase.json': serviceAccount } },
    env: { SWITCHYARD_APNS_URL: apns.origin, SWITCHYARD_FCM_URL: fcm.origin, SWITCHYARD_PUSH_CA_FILE: certificate.certFile },
  });
  const post = (body: unknown) => fetch(`${base}/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
  assert.equal((await fetch(`${base}/livez`)).status, 200);

  const call = { callId: 'CA5001', provider: 'apns', prid: deviceToken(0xa1), param: `${teamID}.${topic}`, from: '+85523900100', carrier: 'mekong-telecom' };
  const first = await post(call);
  assert.equal(first.status, 200);
  assert.deepEqual(await first.json(), { outcome: 'sent', provider: 'apns', callId: 'CA5001', id: apns.delivered()[0]?.headers['apns-id'], attempts: 1, duplicate: false });
  const retried = await post(call);
  assert.equal(retried.status, 200);
  assert.equal((await retried.json() as { duplicate: boolean }).duplicate, true);
  assert.equal(apns.requests.length, 1, 'one push for the call');

  const android = await post({ callId: 'CA5002', provider: 'fcm', prid: 'eXq0:APA91bHfake', param: projectID, from: '+85523900100' });
  assert.equal(android.status, 200);
  assert.equal(fcm.delivered().length, 1);

  assert.equal((await post('{"callId":')).status, 400);
  assert.equal((await post({ callId: 'CA5003', provider: 'webpush', prid: 'x' })).status, 400);
  assert.equal((await post({ ...call, callId: 'CA5004', carrier: 'another-carrier' })).status, 421);

  const status = await eventually('FCM credentials checked', async () => {
    const body = await (await fetch(`${base}/v1/status`)).json() as { carrier: string; credentials: Record<string, { state: string }> };
    return body.credentials.fcm?.state === 'valid' ? body : undefined;
  }, 5000, 50);
  assert.equal(status.carrier, 'mekong-telecom');
  assert.equal(status.credentials.apns?.state, 'valid');
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /^switchyard_push_sent_total\{provider="apns"\} 1$/m);
  assert.match(metrics, /^switchyard_push_sent_total\{provider="fcm"\} 1$/m);
  assert.match(metrics, /^switchyard_push_duplicate_requests_total\{provider="apns"\} 1$/m);

  // The zero-config launch handler (Sipwise handbook's example link): an SMS's http link becomes the
  // sipphone:// link that opens the app; a link without its c= is refused.
  const seedLink = 'CI8VN8toaE40w8E4OH2rAuFj3Qev9QdLI%2FWv%2FVaBCVK2yNkBZjxE9eafXkkrQfmYdeu01PquS5P40zhUq8Mfjg%3D%3D';
  const launched = await fetch(`${base}/p?c=${seedLink}`, { redirect: 'manual' });
  assert.equal(launched.status, 302);
  assert.equal(launched.headers.get('location'), 'sipphone://CI8VN8toaE40w8E4OH2rAuFj3Qev9QdLI/Wv/VaBCVK2yNkBZjxE9eafXkkrQfmYdeu01PquS5P40zhUq8Mfjg==');
  assert.equal((await fetch(`${base}/p`, { redirect: 'manual' })).status, 400);
  assert.equal((await fetch(`${base}/p?c=not-base64!`, { redirect: 'manual' })).status, 400);

  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr());
  assert.ok(logs.some((line) => line.msg === 'stopped'));
  const logText = JSON.stringify(logs);
  const secrets = [apns.requests[0]?.providerToken, fcm.sendRequests[0]?.accessToken, deviceToken(0xa1), 'APA91bHfake', appleKey.pem.split('\n')[1]];
  for (const secret of secrets) {
    assert.ok(secret && !logText.includes(secret), 'no token, device token or key in the logs');
  }
});
