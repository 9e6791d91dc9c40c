// Manifests → the Observed the operator's compile takes, built with the operator's own
// projections (the zod parse of each spec, the decoding of Secrets, the reading of Leases), so
// render sees an object exactly as the operator's watch would. What only the API server gives an
// object (UID, creation time, generation, status) comes from the cluster when render has one, and
// is made up deterministically otherwise: a UID hashed from the object's kind, namespace and name,
// and creation times in file order, so that of two conflicting objects the later one in DIR loses.
import { createHash } from 'node:crypto';
import { allKinds } from '../../api/v1alpha1/kinds.ts';
import { apiVersion as switchyardVersion } from '../../api/v1alpha1/meta.ts';
import type { InvalidObject, Observed, ObservedObject } from '../../operator/src/compile/observed.ts';
import { sameJson } from '../../operator/src/compile/status-diff.ts';
import { leaseEntry, parseSwitchyardObject, podReports, secretEntry, type Parsed } from '../../operator/src/observe/projections.ts';
import type { RawObject } from '../kube/cluster-objects.ts';
import { CommandError } from '../terminal/command.ts';
import { objectId, type ClusterSnapshot } from './cluster-snapshot.ts';
import type { LocatedManifest, ManifestObject } from './manifest-files.ts';

export interface ManifestRef {
  kind: string;
  namespace: string;
  name: string;
  source: string;
}

export interface ObservedManifests {
  observed: Observed;
  /** The Switchyard objects of DIR, in DIR order. */
  switchyard: ManifestRef[];
  /** Statuses as the cluster holds them (`Kind/namespace/name`), for objects render leaves unchanged. */
  clusterStatuses: Map<string, unknown>;
  warnings: string[];
}

/** Offline objects are "created" one second apart from here, in DIR order. */
const offlineEpoch = Date.UTC(2020, 0, 1);

function offlineUid(kind: string, namespace: string, name: string): string {
  const hex = createHash('sha256').update(`switchyard render/${kind}/${namespace}/${name}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

interface Identity {
  uid: string;
  creationTimestamp: string;
  generation: number;
  status?: unknown;
}

type Schema = (typeof allKinds)[number]['spec'];

/** The cluster's identity of the object; its generation moves on by one if DIR changes the spec. */
function clusterIdentity(live: RawObject, schema: Schema, spec: unknown): Identity {
  const metadata = (live.metadata ?? {}) as { uid?: string; creationTimestamp?: string; generation?: number };
  const before = schema.safeParse(live.spec);
  const after = schema.safeParse(spec);
  const changed = !before.success || !after.success || !sameJson(before.data, after.data);
  return {
    uid: metadata.uid ?? '',
    creationTimestamp: metadata.creationTimestamp ?? '',
    generation: (metadata.generation ?? 1) + (changed ? 1 : 0),
    ...(live.status === undefined ? {} : { status: live.status }),
  };
}

/** A Secret as the API server stores one: stringData folded into base64 data. */
function storedSecret(object: ManifestObject, namespace: string): RawObject {
  const data: Record<string, string> = { ...((object.data as Record<string, string> | undefined) ?? {}) };
  for (const [key, value] of Object.entries((object.stringData as Record<string, unknown> | undefined) ?? {})) data[key] = Buffer.from(String(value)).toString('base64');
  return { ...object, metadata: { ...object.metadata, namespace }, data };
}

export interface ObserveOptions {
  defaultNamespace: string;
  cluster?: ClusterSnapshot;
  now: Date;
}

export function observeManifests(manifests: readonly LocatedManifest[], options: ObserveOptions): ObservedManifests {
  const { cluster, now } = options;
  const lists = { Carrier: [], Account: [], InboundTrunk: [], OutboundTrunk: [], PhoneNumber: [], SipDomain: [] } as Record<string, ObservedObject<unknown>[]>;
  const invalid: InvalidObject[] = [];
  const secrets = new Map((cluster?.secrets ?? []).map((raw) => [`${raw.metadata?.namespace ?? ''}/${raw.metadata?.name ?? ''}`, secretEntry(raw)]));
  const switchyard: ManifestRef[] = [];
  const clusterStatuses = new Map<string, unknown>();
  const warnings: string[] = [];
  const seen = new Map<string, string>();

  manifests.forEach(({ object, source }, index) => {
    const namespace = object.metadata.namespace ?? options.defaultNamespace;
    const { name } = object.metadata;
    const id = objectId(object.kind, namespace, name);
    const first = seen.get(id);
    if (first) throw new CommandError(`${source}: ${object.kind} ${namespace}/${name} is already defined at ${first}`);
    seen.set(id, source);

    if (object.apiVersion === 'v1' && object.kind === 'Secret') {
      const entry = secretEntry(storedSecret(object, namespace));
      secrets.set(`${namespace}/${name}`, entry);
      return;
    }
    const definition = object.apiVersion === switchyardVersion ? allKinds.find((kind) => kind.kind === object.kind) : undefined;
    if (!definition) {
      warnings.push(`${source}: ${object.apiVersion} ${object.kind} ${name} ignored: the operator does not read it`);
      return;
    }
    const live = cluster?.switchyard.get(id);
    const identity: Identity = live
      ? clusterIdentity(live, definition.spec, object.spec)
      : { uid: offlineUid(object.kind, namespace, name), creationTimestamp: new Date((cluster ? now.getTime() : offlineEpoch) + index * 1000).toISOString(), generation: 1 };
    if (identity.status !== undefined) clusterStatuses.set(id, identity.status);
    const metadata = { ...object.metadata, namespace, uid: identity.uid, creationTimestamp: identity.creationTimestamp, generation: identity.generation };
    const raw: RawObject = {
      ...object,
      metadata,
      ...(identity.status === undefined ? {} : { status: identity.status }),
    };
    const parsed: Parsed = parseSwitchyardObject(object.kind, definition.spec)(raw, undefined);
    if (parsed.ok) lists[object.kind]?.push(parsed.object);
    else {
      invalid.push(parsed.invalid);
      warnings.push(`${source}: ${object.kind} ${name} does not parse (${parsed.invalid.error}); the API server would refuse it, the operator marks it Accepted=False`);
    }
    switchyard.push({ kind: object.kind, namespace, name, source });
  });

  const observed = {
    carriers: lists.Carrier, accounts: lists.Account, inboundTrunks: lists.InboundTrunk, outboundTrunks: lists.OutboundTrunk,
    phoneNumbers: lists.PhoneNumber, sipDomains: lists.SipDomain, invalid, secrets, ...podReports((cluster?.leases ?? []).map(leaseEntry), now),
  } as Observed;
  return { observed, switchyard, clusterStatuses, warnings };
}
