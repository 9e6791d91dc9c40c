// The mobile push service: wakes a sleeping app through APNs and/or FCM when its user is called.
// Exists only while spec.push is set. It ships in the SIP worker image (sip-workers/src/push).
import type { V1Deployment, V1EnvVar, V1Service, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { DesiredObject } from '../desired.ts';
import { names, selectorFor } from '../names.ts';
import type { CarrierSpec, WorkloadInputs } from './inputs.ts';
import { desired, objectMeta, podLabels, type Manifest } from './object-meta.ts';
import { containerSecurityContext, fieldEnv, podSecurityContext, secretFiles, tmpVolume, tmpVolumeMount } from './pod-hardening.ts';

export const pushHTTPPort = 8080;

type PushSpec = NonNullable<CarrierSpec['push']>;

export const apnsMountPath = '/var/run/secrets/switchyard/apns';
export const fcmMountPath = '/var/run/secrets/switchyard/fcm';
// Fixed file names inside the mounts, whatever the Secret's key is called.
const apnsKeyFile = 'key.p8';
const apnsCertificateFile = 'apns.crt';
const apnsCertificateKeyFile = 'apns.key';
const fcmKeyFile = 'service-account.json';

/**
 * On the pod template: a digest of the credential Secrets' keys. The push service reads its keys
 * once at start, so a rotated key must roll the pods; the digest changes exactly then.
 */
export const pushCredentialsChecksumAnnotation = 'telecom.switchyard.dev/push-credentials-checksum';

/** The URL SIP workers call the push service at. */
export function pushServiceURL(inputs: WorkloadInputs): string {
  const { name, namespace } = inputs.carrier.metadata;
  return `http://${names.pushService(name)}.${namespace}.svc:${pushHTTPPort}`;
}

/** spec.push.image, else the Carrier's SIP worker image (the push code ships in it), else the release default. */
export function pushImage(inputs: WorkloadInputs, push: PushSpec): string {
  return push.image ?? inputs.carrier.spec.sipWorkers.image ?? inputs.images.pushService;
}

function pushEnv(carrier: string, push: PushSpec): V1EnvVar[] {
  const env: V1EnvVar[] = [
    { name: 'SWITCHYARD_CARRIER', value: carrier },
    fieldEnv('SWITCHYARD_NAMESPACE', 'metadata.namespace'),
    // Name and UID make the pod's Lease, which reports the gateways' verdict on the credentials.
    fieldEnv('SWITCHYARD_POD_NAME', 'metadata.name'),
    fieldEnv('SWITCHYARD_POD_UID', 'metadata.uid'),
    { name: 'SWITCHYARD_HTTP_PORT', value: String(pushHTTPPort) },
  ];
  if (push.apns) {
    env.push(
      { name: 'SWITCHYARD_APNS_TEAM_ID', value: push.apns.teamID },
      { name: 'SWITCHYARD_APNS_TOPIC', value: push.apns.topic },
      { name: 'SWITCHYARD_APNS_ENVIRONMENT', value: push.apns.environment },
    );
    if (push.apns.certificateSecretRef) {
      env.push(
        { name: 'SWITCHYARD_APNS_CERTIFICATE_FILE', value: `${apnsMountPath}/${apnsCertificateFile}` },
        { name: 'SWITCHYARD_APNS_CERTIFICATE_KEY_FILE', value: `${apnsMountPath}/${apnsCertificateKeyFile}` },
      );
    } else {
      env.push(
        { name: 'SWITCHYARD_APNS_KEY_ID', value: push.apns.keyID ?? '' },
        { name: 'SWITCHYARD_APNS_PRIVATE_KEY_FILE', value: `${apnsMountPath}/${apnsKeyFile}` },
      );
    }
  }
  if (push.fcm) {
    env.push(
      { name: 'SWITCHYARD_FCM_PROJECT_ID', value: push.fcm.projectID },
      { name: 'SWITCHYARD_FCM_SERVICE_ACCOUNT_FILE', value: `${fcmMountPath}/${fcmKeyFile}` },
    );
  }
  return env;
}

function apnsFiles(apns: NonNullable<PushSpec['apns']>) {
  if (apns.certificateSecretRef) {
    return [secretFiles('apns', apns.certificateSecretRef.name, [{ key: 'tls.crt', path: apnsCertificateFile }, { key: 'tls.key', path: apnsCertificateKeyFile }], apnsMountPath)];
  }
  const ref = apns.privateKeySecretRef;
  // Admission makes a Carrier name one of the two (a CEL rule on spec.push.apns); with neither the
  // push service refuses its configuration and says why.
  return ref ? [secretFiles('apns', ref.name, [{ key: ref.key, path: apnsKeyFile }], apnsMountPath)] : [];
}

/** Each credential Secret mounted read-only, projecting only the keys the spec names. */
function credentialMounts(push: PushSpec): { volumes: V1Volume[]; volumeMounts: V1VolumeMount[] } {
  const credentials = [
    ...(push.apns ? apnsFiles(push.apns) : []),
    ...(push.fcm ? [secretFiles('fcm', push.fcm.serviceAccountSecretRef.name, [{ key: push.fcm.serviceAccountSecretRef.key, path: fcmKeyFile }], fcmMountPath)] : []),
  ];
  return { volumes: credentials.map((files) => files.volume), volumeMounts: credentials.map((files) => files.mount) };
}

export function pushServiceDeployment(inputs: WorkloadInputs, push: PushSpec): DesiredObject {
  const carrier = inputs.carrier.metadata.name;
  const mounts = credentialMounts(push);
  const deployment: V1Deployment & Manifest = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: objectMeta(inputs, names.pushService(carrier), 'push-service'),
    spec: {
      replicas: push.replicas,
      selector: { matchLabels: selectorFor(carrier, 'push-service') },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: podLabels(inputs, 'push-service'),
          ...(inputs.pushCredentialsChecksum === undefined ? {} : { annotations: { [pushCredentialsChecksumAnnotation]: inputs.pushCredentialsChecksum } }),
        },
        spec: {
          // Its own account, allowed only its pod Lease (push-rbac.ts).
          serviceAccountName: names.pushService(carrier),
          automountServiceAccountToken: true,
          enableServiceLinks: false,
          securityContext: podSecurityContext(),
          containers: [
            {
              name: 'push-service',
              image: pushImage(inputs, push),
              command: ['node', 'sip-workers/src/push/main.ts'],
              env: pushEnv(carrier, push),
              ports: [{ name: 'http', containerPort: pushHTTPPort, protocol: 'TCP' }],
              readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5 },
              livenessProbe: { httpGet: { path: '/livez', port: 'http' }, periodSeconds: 10 },
              securityContext: containerSecurityContext(),
              volumeMounts: [tmpVolumeMount(), ...mounts.volumeMounts],
            },
          ],
          volumes: [tmpVolume(), ...mounts.volumes],
        },
      },
    },
  };
  return desired(deployment);
}

export function pushServiceService(inputs: WorkloadInputs): DesiredObject {
  const carrier = inputs.carrier.metadata.name;
  const service: V1Service & Manifest = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMeta(inputs, names.pushService(carrier), 'push-service'),
    spec: {
      type: 'ClusterIP',
      selector: selectorFor(carrier, 'push-service'),
      ports: [{ name: 'http', port: pushHTTPPort, targetPort: 'http', protocol: 'TCP' }],
    },
  };
  return desired(service);
}
