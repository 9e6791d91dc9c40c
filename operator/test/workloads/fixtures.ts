// Small builders for workload tests: a Carrier from the example (or a minimal spec plus overrides),
// the inputs the builders take, and typed look-ups into their output.
import type { KubernetesObject, V1Container, V1Deployment, V1PodSpec } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { z } from 'zod';
import { carrierSpec } from '../../../api/v1alpha1/carrier.ts';
import type { DesiredObject } from '../../src/compile/desired.ts';
import type { WorkloadInputs } from '../../src/compile/workloads/index.ts';

const repoRoot = new URL('../../..', import.meta.url).pathname;

export type SpecInput = z.input<typeof carrierSpec>;

interface CarrierManifest {
  metadata: { name: string };
  spec: SpecInput;
}

/** examples/01-carrier.yaml, exactly as users apply it. */
export function exampleCarrier(): CarrierManifest {
  return parse(readFileSync(`${repoRoot}examples/01-carrier.yaml`, 'utf8')) as CarrierManifest;
}

export const images = { sipWorker: 'registry.example/switchyard/sip-worker:1.0.0', mediaRelay: 'registry.example/switchyard/rtpengine:10.5', pushService: 'registry.example/switchyard/push:1.0.0' };

/** Labels a Carrier might carry when it comes from GitOps: the tracking ones must not spread. */
export const gitOpsLabels = {
  'argocd.argoproj.io/instance': 'voice-platform',
  'kustomize.toolkit.fluxcd.io/name': 'carriers',
  'app.kubernetes.io/instance': 'mekong',
};

export interface InputOptions {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  shards?: number;
}

export function inputsFor(spec: SpecInput, options: InputOptions = {}): WorkloadInputs {
  return {
    carrier: {
      metadata: {
        name: options.name ?? 'mekong-telecom',
        namespace: options.namespace ?? 'voice',
        uid: '5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f',
        ...(options.labels ? { labels: options.labels } : {}),
      },
      spec: carrierSpec.parse(spec),
    },
    images,
    routingShardCount: options.shards ?? 3,
    routingConfigChecksum: 'sha256:0123456789abcdef',
  };
}

/** The example Carrier's spec with parts replaced (a shallow merge per top-level field). */
export function exampleSpec(overrides: Partial<SpecInput> = {}): SpecInput {
  return { ...exampleCarrier().spec, ...overrides };
}

/** The smallest valid spec: every workload setting at its schema default. */
export function minimalSpec(overrides: Partial<SpecInput> = {}): SpecInput {
  return { displayName: 'Test Carrier', country: 'KH', ...overrides };
}

export function find<T extends KubernetesObject>(objects: DesiredObject[], kind: string, name: string): T {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  const object: KubernetesObject = found;
  return object as T;
}

export function podSpec(deployment: V1Deployment): V1PodSpec {
  const spec = deployment.spec?.template.spec;
  if (!spec) throw new Error(`Deployment ${deployment.metadata?.name} has no pod spec`);
  return spec;
}

export function onlyContainer(deployment: V1Deployment): V1Container {
  const [container, ...rest] = podSpec(deployment).containers;
  if (!container || rest.length > 0) throw new Error(`Deployment ${deployment.metadata?.name} should have exactly one container`);
  return container;
}

export function envOf(container: V1Container): Map<string, string | undefined> {
  return new Map((container.env ?? []).map((env) => [env.name, env.value ?? env.valueFrom?.fieldRef?.fieldPath]));
}

/** Paths (a.b[2].c) of every undefined, null or function value: each makes JSON output depend on the serializer. */
export function unclean(value: unknown, path = '$'): string[] {
  if (value === undefined || value === null || typeof value === 'function') return [path];
  if (Array.isArray(value)) return value.flatMap((item, index) => unclean(item, `${path}[${index}]`));
  if (typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => unclean(item, `${path}.${key}`));
  return [];
}
