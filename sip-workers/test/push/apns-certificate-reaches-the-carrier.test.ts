// An APNs certificate from a kubernetes.io/tls Secret, end to end on the real API server: the
// operator judges the certificate on the Carrier before any pod uses it (here: one of another
// team), mounts the fixed one into the push service's Deployment, and the push service, started
// as a pod of that Deployment would be, pushes with it as its TLS client certificate; the
// gateway's acceptance reaches the Carrier with the certificate's expiry.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { V1Deployment } from '@kubernetes/client-node';
import { pushCredentialsChecksumAnnotation } from '../../../operator/src/compile/workloads/push-service.ts';
import { testCluster } from '../../../testing/cluster.ts';
import { installCrds } from '../../../testing/crds.ts';
import { eventually, startOperator } from '../../../testing/operator-process.ts';
import { actAsServiceAccount } from '../../../testing/service-account.ts';
import { appleCertificateAuthority, applePushCertificate } from '../support/push-gateways/apns-certificates.ts';
import { startFakeApns } from '../support/push-gateways/fake-apns.ts';
import { apnsSigningKey } from '../support/push-gateways/push-credentials.ts';
import { deviceToken, gatewayCertificate, keyID, teamID, topic } from './push-harness.ts';
import { pushCarrierObjects } from './push-carrier-objects.ts';
import { startPushPod } from './push-pod.ts';

const cluster = await testCluster();
await installCrds(cluster);
const operator = startOperator(cluster.kubeconfig, { SWITCHYARD_RESYNC_SECONDS: '30' });
const namespace = await cluster.namespace('apns-certificate');
const carrier = 'mekong-telecom';
const bundleID = topic.replace(/\.voip$/, '');

const dir = mkdtempSync(join(tmpdir(), 'switchyard-apns-certificate-e2e-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const apple = appleCertificateAuthority(dir);
const ours = applePushCertificate(dir, apple, { name: 'ours', bundleID, teamID });
const otherTeams = applePushCertificate(dir, apple, { name: 'theirs', bundleID, teamID: 'ZZZZZ99999' });
const gateway = gatewayCertificate();
const apns = await startFakeApns({ certificate: gateway, teamID, keyID, publicKey: apnsSigningKey().publicKey, topic, clientCA: apple.cert });
after(() => apns.close());

const tlsSecret = (pair: { cert: string; key: string }) => ({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: 'apns-cert', namespace }, stringData: { 'tls.crt': pair.cert, 'tls.key': pair.key } });

const { apply, pushCondition, pushDeployment } = pushCarrierObjects(cluster, namespace, carrier);

const checksumOf = (deployment: V1Deployment | undefined) => deployment?.spec?.template.metadata?.annotations?.[pushCredentialsChecksumAnnotation];

test('an APNs certificate of another team is refused on the Carrier; the right one is mounted into the push service, which pushes with it, and APNs\' acceptance shows with its expiry', async () => {
  await apply([
    tlsSecret(otherTeams),
    {
      apiVersion: 'telecom.switchyard.dev/v1alpha1', kind: 'Carrier', metadata: { name: carrier, namespace },
      spec: { displayName: 'Mekong Telecom', country: 'KH', push: { apns: { teamID, topic, environment: 'development', certificateSecretRef: { name: 'apns-cert' } } } },
    },
  ]);
  const refused = await eventually('the other team\'s certificate refused on the Carrier', async () => ((await pushCondition())?.reason === 'CertificateTeamMismatch' ? pushCondition() : undefined), 30_000);
  assert.equal(refused?.status, 'False');
  assert.match(refused?.message ?? '', /^The APNs certificate in Secret apns-cert belongs to team ZZZZZ99999 \(its subject's OU\), not spec\.push\.apns\.teamID ABCDE12345\./);
  const before = await eventually('the push Deployment', async () => (checksumOf(await pushDeployment()) ? pushDeployment() : undefined), 30_000);
  const expiry = { namespace, carrier, certificate: 'apns' };
  assert.equal(await operator.metric('switchyard_certificate_expiration_timestamp_seconds', expiry), 0, 'no expiry for a refused certificate');

  await apply([tlsSecret(ours)]);
  const waiting = await eventually('the certificate passed, waiting for a pod', async () => ((await pushCondition())?.reason === 'NoPushService' ? pushCondition() : undefined), 30_000);
  assert.equal(waiting?.status, 'Unknown');
  assert.match(waiting?.message ?? '', /The APNs certificate is valid until \d{4}-\d\d-\d\dT/);
  // What an alert on certificates about to expire reads (the chart's SwitchyardCertificateExpiresSoon).
  assert.equal(await eventually('the expiry metric', async () => (await operator.metric('switchyard_certificate_expiration_timestamp_seconds', expiry)) || undefined, 15_000), Date.parse(new X509Certificate(ours.cert).validTo) / 1000);
  const rolled = await eventually('the Deployment rolled by the new certificate', async () => {
    const deployment = await pushDeployment();
    return checksumOf(deployment) !== checksumOf(before) ? deployment : undefined;
  }, 30_000);
  const volume = rolled?.spec?.template.spec?.volumes?.find((candidate) => candidate.name === 'apns');
  assert.deepEqual(volume?.secret?.items, [{ key: 'tls.crt', path: 'apns.crt' }, { key: 'tls.key', path: 'apns.key' }]);

  const identity = await actAsServiceAccount(cluster, namespace, `${carrier}-push`);
  const pod = await startPushPod({
    deployment: rolled,
    secrets: { 'apns-cert': { 'tls.crt': ours.cert, 'tls.key': ours.key } },
    podMeta: { name: `${carrier}-push-6c9d8-k2v5p`, namespace },
    env: { SWITCHYARD_KUBECONFIG: identity.kubeconfig, SWITCHYARD_APNS_URL: apns.origin, SWITCHYARD_PUSH_CA_FILE: gateway.certFile },
  });
  const pushed = await fetch(`${pod.base}/v1/push`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ callId: 'CA7101', provider: 'apns', prid: deviceToken(0x6d), param: `${teamID}.${topic}`, from: '+85523900100', carrier }),
  });
  assert.equal(pushed.status, 200, await pushed.clone().text());
  const [delivered] = apns.delivered();
  assert.deepEqual(delivered?.clientCertificate, { bundleID, teamID });
  assert.equal(delivered?.headers.authorization, undefined);

  const accepted = await eventually('APNs\' acceptance on the Carrier', async () => ((await pushCondition())?.status === 'True' ? pushCondition() : undefined), 30_000);
  assert.equal(accepted?.reason, 'CredentialsAccepted');
  assert.match(accepted?.message ?? '', /^APNs accepted the credentials\. The APNs certificate is valid until \d{4}-\d\d-\d\dT[\d:.]+Z\.$/);
  pod.child.kill('SIGTERM');
  assert.equal(await pod.exited, 0, pod.stderr());
});
