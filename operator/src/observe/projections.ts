// What the operator keeps of each watched object: at 100,000 PhoneNumbers the stores are most of
// its memory, so each kind keeps only what compile, the applier or the controller read. Specs are
// parsed by the same zod schemas that generated the CRDs, once per generation.
import type { z } from 'zod';
import { appliedHashAnnotation } from '../apply/applier.ts';
import { carrierLabel, componentLabel, managedByLabel } from '../compile/names.ts';
import type { InvalidObject, Metadata, ObservedObject, ObservedSecret, PushServiceReport, WorkerReport } from '../compile/observed.ts';
import type { RawObject } from './reflector.ts';
import { apiVersion } from '../../../api/v1alpha1/meta.ts';
import { eventWebhookAnnotation, pushCredentialsAnnotation, readEventWebhookReport, readPushCredentials, readTrunksDown, routingGenerationAnnotation, trunksDownAnnotation, type EventWebhookReport, type PushCredentialsReport } from '../../../api/reports/lease-annotations.ts';

/** The Leases that carry pods' reports (podReports reads them). */
export const podLeaseSelector = `${componentLabel} in (sip-worker,push-service)`;

/** A Switchyard object: its spec parsed, or why it does not parse. */
export type Parsed = { ok: true; object: ObservedObject<unknown> } | { ok: false; invalid: InvalidObject };

/** What the applier needs of an object it may own: the intent it was last applied with, and whether it is ours to prune. */
export interface OwnedMeta {
  appliedHash: string | undefined;
  managed: boolean;
  controlledByCarrier: boolean;
}

export interface SecretEntry extends ObservedSecret {
  owned: OwnedMeta;
}

export interface LeaseEntry {
  /** sip-worker or push-service: the pod's component label. */
  component: string;
  namespace: string;
  carrier: string;
  pod: string;
  renewedAt: number;
  durationMs: number;
  routingGeneration?: string;
  /** Outbound trunks the worker's health checks find down. */
  trunksDown: string[];
  pushCredentials?: PushCredentialsReport;
  eventWebhook?: EventWebhookReport;
}

interface RawMetadata {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{ apiVersion?: string; kind?: string; controller?: boolean }>;
}

/**
 * Most objects carry the same values: condition messages and timestamps, carrier and account
 * names, whole statuses (100,000 numbers routed the same way have equal statuses). Sharing one
 * instance of each equal string, object or array saves most of a status's ~500 bytes per object.
 * Shared values are never mutated (the compile only reads observed objects). Bounded: when full
 * it starts over, which only loses sharing for values seen from then on.
 */
class Interner {
  private readonly values = new Map<string, unknown>();
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  string(value: string): string {
    return this.share(value, value);
  }

  /** The shared instance of a freshly parsed JSON value (interned bottom-up, in place). */
  json<T>(value: T): T {
    if (typeof value === 'string') return this.string(value) as T;
    if (value === null || typeof value !== 'object') return value;
    this.children(value);
    const key = JSON.stringify(value);
    // A long value is likely unique (a number's own webhook URLs): keeping its key would cost more than sharing saves.
    return key.length > 1024 ? value : this.share(`\u0000${key}`, value);
  }

  /** Interns what a value holds but not the value itself (a spec, unique to its object). */
  children<T extends object>(value: T): T {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = this.json(value[i] as unknown);
    } else {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) record[key] = this.json(record[key]);
    }
    return value;
  }

  private share<T>(key: string, value: T): T {
    const known = this.values.get(key);
    if (known !== undefined) return known as T;
    if (this.values.size >= this.limit) this.values.clear();
    this.values.set(key, value);
    return value;
  }
}

const interner = new Interner(20_000);

const metadataOf = (object: RawObject) => (object.metadata ?? {}) as RawMetadata;

function slimMetadata(raw: RawMetadata): Metadata {
  return {
    name: raw.name ?? '',
    namespace: interner.string(raw.namespace ?? ''),
    uid: raw.uid ?? '',
    creationTimestamp: interner.string(raw.creationTimestamp ?? ''),
    ...(raw.generation === undefined ? {} : { generation: raw.generation }),
    ...(raw.labels && Object.keys(raw.labels).length > 0 ? { labels: interner.json(raw.labels) } : {}),
    ...(raw.deletionTimestamp ? { deletionTimestamp: new Date(raw.deletionTimestamp) } : {}),
  };
}

/** A Switchyard kind: metadata the compile reads, the parsed spec (re-parsed only when the generation moves), the status for diffing. */
export function parseSwitchyardObject(kind: string, schema: z.ZodType) {
  return (object: RawObject, previous: Parsed | undefined): Parsed => {
    const metadata = slimMetadata(metadataOf(object));
    const status = object.status ? interner.json(object.status as ObservedObject<unknown>['status']) : undefined;
    const withStatus = status ? { status } : {};
    const before = previous?.ok ? previous.object.metadata : previous?.invalid.metadata;
    if (previous && before?.uid === metadata.uid && before.generation === metadata.generation) {
      return previous.ok ? { ok: true, object: { metadata, spec: previous.object.spec, ...withStatus } } : { ok: false, invalid: { kind, metadata, error: previous.invalid.error, ...withStatus } };
    }
    const spec = schema.safeParse(object.spec);
    if (spec.success) return { ok: true, object: { metadata, spec: spec.data && typeof spec.data === 'object' ? interner.children(spec.data) : spec.data, ...withStatus } };
    return { ok: false, invalid: { kind, metadata, error: spec.error.issues.map((issue) => `spec.${issue.path.join('.')}: ${issue.message}`).join('; '), ...withStatus } };
  };
}

export function ownedMeta(object: RawObject): OwnedMeta {
  const metadata = metadataOf(object);
  return {
    appliedHash: metadata.annotations?.[appliedHashAnnotation],
    managed: metadata.labels?.[managedByLabel] === 'switchyard',
    controlledByCarrier: metadata.ownerReferences?.some((ref) => ref.controller === true && ref.apiVersion === apiVersion && ref.kind === 'Carrier') ?? false,
  };
}

/** Secrets are decoded once here; the compile reads users' passwords and the auth tokens it created. */
export function secretEntry(object: RawObject): SecretEntry {
  const { namespace = '', name = '' } = metadataOf(object);
  const data = Object.fromEntries(Object.entries((object.data ?? {}) as Record<string, string>).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
  return { namespace, name, data, owned: ownedMeta(object) };
}

/**
 * Workers and push services renew a Lease named after their pod, annotated with what they report:
 * the routing generation a worker serves, what the gateways said of the push credentials.
 */
export function leaseEntry(object: RawObject): LeaseEntry {
  const metadata = metadataOf(object);
  const spec = (object.spec ?? {}) as { renewTime?: string; leaseDurationSeconds?: number; holderIdentity?: string };
  const generation = metadata.annotations?.[routingGenerationAnnotation];
  const pushCredentials = readPushCredentials(metadata.annotations?.[pushCredentialsAnnotation]);
  const eventWebhook = readEventWebhookReport(metadata.annotations?.[eventWebhookAnnotation]);
  return {
    component: metadata.labels?.[componentLabel] ?? '',
    namespace: metadata.namespace ?? '',
    carrier: metadata.labels?.[carrierLabel] ?? '',
    pod: spec.holderIdentity ?? metadata.name ?? '',
    renewedAt: spec.renewTime ? new Date(spec.renewTime).getTime() : 0,
    durationMs: (spec.leaseDurationSeconds ?? 15) * 1000,
    ...(generation ? { routingGeneration: generation } : {}),
    trunksDown: readTrunksDown(metadata.annotations?.[trunksDownAnnotation]),
    ...(pushCredentials ? { pushCredentials } : {}),
    ...(eventWebhook ? { eventWebhook } : {}),
  };
}

/** What the pods' Leases say: a Lease renewed within its duration is a live pod (a ready worker). */
export function podReports(leases: Iterable<LeaseEntry>, now: Date): { workers: WorkerReport[]; pushServices: PushServiceReport[] } {
  const workers: WorkerReport[] = [];
  const pushServices: PushServiceReport[] = [];
  for (const lease of leases) {
    const { namespace, carrier, pod } = lease;
    const live = now.getTime() - lease.renewedAt <= lease.durationMs;
    if (lease.component === 'sip-worker') {
      workers.push({
        namespace, carrier, pod, ready: live, trunksDown: lease.trunksDown,
        ...(lease.routingGeneration ? { routingGeneration: lease.routingGeneration } : {}),
        ...(lease.eventWebhook ? { eventWebhook: lease.eventWebhook } : {}),
      });
    }
    else if (lease.component === 'push-service') pushServices.push({ namespace, carrier, pod, live, ...(lease.pushCredentials ? { credentials: lease.pushCredentials } : {}) });
  }
  return { workers, pushServices };
}
