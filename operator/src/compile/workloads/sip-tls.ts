// SIP over TLS for the worker pods: the Carrier's kubernetes.io/tls Secret (and, if named, a CA
// Secret) mounted read-only, the environment naming the files, and the port. The Secret is
// mounted as a directory, not with subPath, so the kubelet rewrites renewed files in place and
// the worker picks them up without the Deployment rolling (see sip-workers/src/worker/tls-credentials.ts).
import type { V1ContainerPort, V1EnvVar, V1ServicePort, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { CarrierSpec } from './inputs.ts';

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
  return {
    env: [
      { name: 'SWITCHYARD_SIP_TLS_PORT', value: String(tls.port) },
      { name: 'SWITCHYARD_TLS_CERT_FILE', value: `${sipTlsMountPath}/tls.crt` },
      { name: 'SWITCHYARD_TLS_KEY_FILE', value: `${sipTlsMountPath}/tls.key` },
      ...(ca ? [{ name: 'SWITCHYARD_TLS_CA_FILE', value: `${sipTlsCaMountPath}/${caFile}` }] : []),
    ],
    ports: [{ name: 'sip-tls', containerPort: tls.port, protocol: 'TCP' }],
    volumes: [
      // 0440 with the pod's fsGroup: readable by the non-root worker, nobody else.
      { name: 'sip-tls', secret: { secretName: tls.secretRef.name, items: [{ key: 'tls.crt', path: 'tls.crt' }, { key: 'tls.key', path: 'tls.key' }], defaultMode: 0o440 } },
      ...(ca ? [{ name: 'sip-tls-ca', secret: { secretName: ca.name, items: [{ key: ca.key, path: caFile }], defaultMode: 0o440 } }] : []),
    ],
    volumeMounts: [
      { name: 'sip-tls', mountPath: sipTlsMountPath, readOnly: true },
      ...(ca ? [{ name: 'sip-tls-ca', mountPath: sipTlsCaMountPath, readOnly: true }] : []),
    ],
  };
}

export function sipTlsServicePorts(tls: SipTls | undefined): V1ServicePort[] {
  return tls ? [{ name: 'sip-tls', port: tls.port, targetPort: 'sip-tls', protocol: 'TCP' }] : [];
}
