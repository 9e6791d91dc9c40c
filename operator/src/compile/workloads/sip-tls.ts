// SIP over TLS for the worker pods: the Carrier's kubernetes.io/tls Secret (and, if named, a CA
// Secret) as read-only files, the environment naming them, and the port. A renewed Secret reaches
// the files in place and the worker reloads them without the Deployment rolling (see
// sip-workers/src/worker/tls-credentials.ts).
import type { V1ContainerPort, V1EnvVar, V1ServicePort, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { CarrierSpec } from './inputs.ts';
import { secretFiles } from './pod-hardening.ts';

type SipTls = NonNullable<CarrierSpec['sipWorkers']['tls']>;

export const sipTlsMountPath = '/var/run/secrets/switchyard/sip-tls';
export const sipTlsCaMountPath = '/var/run/secrets/switchyard/sip-tls-ca';
const caFile = 'ca.crt';

export interface SipTlsPieces {
  env: V1EnvVar[];
  ports: V1ContainerPort[];
  volumes: V1Volume[];
  volumeMounts: V1VolumeMount[];
}

export function sipTlsPieces(tls: SipTls | undefined): SipTlsPieces {
  if (!tls) return { env: [], ports: [], volumes: [], volumeMounts: [] };
  const ca = tls.caSecretRef;
  const mounts = [
    secretFiles('sip-tls', tls.secretRef.name, [{ key: 'tls.crt', path: 'tls.crt' }, { key: 'tls.key', path: 'tls.key' }], sipTlsMountPath),
    ...(ca ? [secretFiles('sip-tls-ca', ca.name, [{ key: ca.key, path: caFile }], sipTlsCaMountPath)] : []),
  ];
  return {
    env: [
      { name: 'SWITCHYARD_SIP_TLS_PORT', value: String(tls.port) },
      { name: 'SWITCHYARD_TLS_CERT_FILE', value: `${sipTlsMountPath}/tls.crt` },
      { name: 'SWITCHYARD_TLS_KEY_FILE', value: `${sipTlsMountPath}/tls.key` },
      ...(ca ? [{ name: 'SWITCHYARD_TLS_CA_FILE', value: `${sipTlsCaMountPath}/${caFile}` }] : []),
    ],
    ports: [{ name: 'sip-tls', containerPort: tls.port, protocol: 'TCP' }],
    volumes: mounts.map((files) => files.volume),
    volumeMounts: mounts.map((files) => files.mount),
  };
}

export function sipTlsServicePorts(tls: SipTls | undefined): V1ServicePort[] {
  return tls ? [{ name: 'sip-tls', port: tls.port, targetPort: 'sip-tls', protocol: 'TCP' }] : [];
}
