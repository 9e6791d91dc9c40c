// A push key that Apple refuses shows on the Carrier, not only in a push service log: the operator
// creates the push service's Deployment and ServiceAccount on the real API server, the push
// service runs as a pod of that Deployment would (as that ServiceAccount), reports what the
// gateways said through its Lease, and the operator turns it into the Carrier's
// PushCredentialsValid condition and an Event. Rotating the key in the Secret rolls the
// Deployment; the new pod's accepted key clears the condition.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Deployment } from '@kubernetes/client-node';
import { pushCredentialsChecksumAnnotation } from '../../../operator/src/compile/workloads/push-service.ts';
import { testCluster } from '../../../testing/cluster.ts';
import { installCrds } from '../../../testing/crds.ts';
import { eventually, startOperator } from '../../../testing/operator-process.ts';
import { actAsServiceAccount } from '../../../testing/service-account.ts';
import { apnsSigningKey } from '../support/push-gateways/push-credentials.ts';
import { deviceToken, keyID, projectID, startGateways, teamID, topic } from './push-harness.ts';
import { pushCarrierObjects } from './push-carrier-objects.ts';
import { startPushPod, type PushPod } from './push-pod.ts';

const cluster = await testCluster();
await installCrds(cluster);
startOperator(cluster.kubeconfig, { SWITCHYARD_RESYNC_SECONDS: '30' });
const namespace = await cluster.namespace('push-credentials');
const carrier = 'mekong-telecom';

const { certificate, appleKey, apns, fcm, serviceAccountJson } = await startGateways();
const revokedKey = apnsSigningKey();

const secret = (name: string, key: string, value: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, stringData: { [key]: value } });

const { apply, pushCondition, pushDeployment } = pushCarrierObjects(cluster, namespace, carrier);

async function events(reason: string): Promise<Array<{ type: string; message: string }>> {
  const listed = JSON.parse(await cluster.kubectlOk(['get', 'events', '-n', namespace, '--field-selector', `involvedObject.name=${carrier},reason=${reason}`, '-o', 'json'])) as { items: Array<{ type: string; message: string }> };
  return listed.items;
}

async function startPod(deployment: V1Deployment, name: string, apnsKey: string, kubeconfig: string): Promise<PushPod> {
  return startPushPod({
    deployment,
    secrets: { 'apns-key': { 'key.p8': apnsKey }, 'fcm-key': { 'service-account.json': serviceAccountJson } },
    podMeta: { name, namespace },
    env: { SWITCHYARD_KUBECONFIG: kubeconfig, SWITCHYARD_APNS_URL: apns.origin, SWITCHYARD_FCM_URL: fcm.origin, SWITCHYARD_PUSH_CA_FILE: certificate.certFile },
  });
}

const pushTo = (pod: PushPod, callId: string) => fetch(`${pod.base}/v1/push`, {
  method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ callId, provider: 'apns', prid: deviceToken(0x5c), param: `${teamID}.${topic}`, from: '+85523900100', carrier }),
});

test('a push key the gateway rejects turns the Carrier\'s PushCredentialsValid False with the gateway\'s reason; a rotated key rolls the push service and clears it', async () => {
  await apply([
    secret('fcm-key', 'service-account.json', serviceAccountJson),
    {
      apiVersion: 'telecom.switchyard.dev/v1alpha1', kind: 'Carrier', metadata: { name: carrier, namespace },
      spec: {
        displayName: 'Mekong Telecom', country: 'KH',
        push: {
          apns: { teamID, keyID, topic, privateKeySecretRef: { name: 'apns-key', key: 'key.p8' } },
          fcm: { projectID, serviceAccountSecretRef: { name: 'fcm-key', key: 'service-account.json' } },
        },
      },
    },
  ]);
  const missing = await eventually('the missing APNs Secret on the Carrier', async () => ((await pushCondition())?.reason === 'SecretNotFound' ? pushCondition() : undefined), 30_000);
  assert.equal(missing?.status, 'False');
  assert.match(missing?.message ?? '', /Secret apns-key \(spec\.push\.apns\.privateKeySecretRef\) does not exist/);

  // The key from a developer account that was revoked: Apple no longer holds it for keyID.
  await apply([secret('apns-key', 'key.p8', revokedKey.pem)]);
  const waiting = await eventually('no push service report yet', async () => ((await pushCondition())?.reason === 'NoPushService' ? pushCondition() : undefined), 30_000);
  assert.equal(waiting?.status, 'Unknown');
  const first = await eventually('the push Deployment with its credential checksum', async () => {
    const deployment = await pushDeployment();
    return deployment?.spec?.template.metadata?.annotations?.[pushCredentialsChecksumAnnotation] ? deployment : undefined;
  }, 30_000);
  assert.equal(first.spec?.template.spec?.serviceAccountName, `${carrier}-push`);
  const role = JSON.parse(await cluster.kubectlOk(['get', 'role', `${carrier}-push`, '-n', namespace, '-o', 'json'])) as { rules: unknown };
  assert.deepEqual(role.rules, [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create', 'get', 'update', 'patch'] }]);

  // The pod runs with the push service's own ServiceAccount token, as the kubelet would mount it.
  const identity = await actAsServiceAccount(cluster, namespace, `${carrier}-push`);
  const oldPod = await startPod(first, `${carrier}-push-7d4f9-q2xkc`, revokedKey.pem, identity.kubeconfig);
  const refused = await pushTo(oldPod, 'CA7001');
  assert.equal(refused.status, 502);
  assert.equal(((await refused.json()) as { reason: string }).reason, 'InvalidProviderToken');

  const rejected = await eventually('the rejection on the Carrier', async () => ((await pushCondition())?.status === 'False' ? pushCondition() : undefined), 30_000);
  assert.equal(rejected?.reason, 'CredentialsRejected');
  assert.match(rejected?.message ?? '', /^APNs rejected the credentials: InvalidProviderToken .*reported by pod mekong-telecom-push-7d4f9-q2xkc\./);
  assert.doesNotMatch(rejected?.message ?? '', /FCM/, 'Google accepted its key (checked at start), so only APNs is named');
  const warnings = await eventually('a Warning event', async () => ((await events('CredentialsRejected')).length > 0 ? events('CredentialsRejected') : undefined), 15_000);
  assert.equal(warnings[0]?.type, 'Warning');

  // Rotate the key: the Deployment's pod template changes, so Kubernetes replaces the pods.
  await apply([secret('apns-key', 'key.p8', appleKey.pem)]);
  const rolled = await eventually('the Deployment rolled by the new key', async () => {
    const deployment = await pushDeployment();
    const checksum = deployment?.spec?.template.metadata?.annotations?.[pushCredentialsChecksumAnnotation];
    return checksum && checksum !== first.spec?.template.metadata?.annotations?.[pushCredentialsChecksumAnnotation] ? deployment : undefined;
  }, 30_000);
  oldPod.child.kill('SIGTERM');
  assert.equal(await oldPod.exited, 0, oldPod.stderr());
  // The old pod is gone; with it goes its Lease (the garbage collector removes it with the Pod it names as owner).
  await cluster.kubectlOk(['delete', 'lease', `${carrier}-push-7d4f9-q2xkc`, '-n', namespace]);

  const newPod = await startPod(rolled, `${carrier}-push-5b8c2-h7r4w`, appleKey.pem, identity.kubeconfig);
  assert.equal((await pushTo(newPod, 'CA7002')).status, 200);
  const accepted = await eventually('the accepted key on the Carrier', async () => ((await pushCondition())?.status === 'True' ? pushCondition() : undefined), 30_000);
  assert.equal(accepted?.reason, 'CredentialsAccepted');
  assert.equal(accepted?.message, 'APNs and FCM accepted the credentials.');
  const recovered = await eventually('a Normal event for the repair', async () => ((await events('CredentialsAccepted')).length > 0 ? events('CredentialsAccepted') : undefined), 15_000);
  assert.equal(recovered[0]?.type, 'Normal');
  newPod.child.kill('SIGTERM');
  assert.equal(await newPod.exited, 0, newPod.stderr());
});
