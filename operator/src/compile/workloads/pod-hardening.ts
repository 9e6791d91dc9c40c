// Security settings and small pod-spec pieces shared by every Carrier workload.
import type { V1Container, V1EnvVar, V1PodSecurityContext, V1ResourceRequirements, V1SecurityContext, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { CarrierSpec } from './inputs.ts';

/**
 * Explicit non-root UID/GID rather than trusting the image's USER: the kubelet can only verify
 * runAsNonRoot for a numeric USER, and rtpengine images run as root by default.
 */
export const nonRootID = 65532;

export function podSecurityContext(): V1PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: nonRootID,
    runAsGroup: nonRootID,
    fsGroup: nonRootID,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function containerSecurityContext(): V1SecurityContext {
  return {
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** A writable /tmp, since the root filesystem is read-only. */
export const tmpVolumeName = 'tmp';

export function tmpVolume(): V1Volume {
  return { name: tmpVolumeName, emptyDir: { sizeLimit: '64Mi' } };
}

export function tmpVolumeMount(): V1VolumeMount {
  return { name: tmpVolumeName, mountPath: '/tmp' };
}

/**
 * Keys of a Secret as files in a read-only directory, each at its path: 0440 with the pod's
 * fsGroup, so the non-root container user reads them and nobody else does. Mounted whole, never
 * with subPath, so the kubelet rewrites the files when the Secret changes.
 */
export function secretFiles(volume: string, secretName: string, items: Array<{ key: string; path: string }>, mountPath: string): { volume: V1Volume; mount: V1VolumeMount } {
  return {
    volume: { name: volume, secret: { secretName, items, defaultMode: 0o440 } },
    mount: { name: volume, mountPath, readOnly: true },
  };
}

type ResourceSpec = NonNullable<CarrierSpec['sipWorkers']['resources']>;
type ResourceListSpec = ResourceSpec['requests'];

function resourceList(list: ResourceListSpec): Record<string, string> | undefined {
  if (!list) return undefined;
  const entries = (['cpu', 'memory'] as const).flatMap((name) => (list[name] === undefined ? [] : [[name, String(list[name])] as const]));
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/** The spec's requests/limits as a container's `resources`, or nothing when none are set. */
export function containerResources(spec: ResourceSpec | undefined): Pick<V1Container, 'resources'> {
  const requests = resourceList(spec?.requests);
  const limits = resourceList(spec?.limits);
  if (!requests && !limits) return {};
  const resources: V1ResourceRequirements = { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) };
  return { resources };
}

export function fieldEnv(name: string, fieldPath: string): V1EnvVar {
  return { name, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath } } };
}
