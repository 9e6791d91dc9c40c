// Builds the compile step's input from the informer stores: specs parsed by the same zod schemas
// that generated the CRDs (cached per resourceVersion, so 100,000 unchanged numbers parse once).
import type { KubernetesObject, V1Lease, V1Secret } from '@kubernetes/client-node';
import type { z } from 'zod';
import { allKinds } from '../../../api/v1alpha1/kinds.ts';
import type { InvalidObject, Metadata, Observed, ObservedObject, ObservedSecret, WorkerReport } from '../compile/observed.ts';
import { carrierLabel, componentLabel } from '../compile/names.ts';
import type { Informers } from './informers.ts';

export const routingGenerationAnnotation = 'telecom.switchyard.dev/routing-generation';

type KindName = 'Carrier' | 'Account' | 'InboundTrunk' | 'OutboundTrunk' | 'PhoneNumber' | 'SipDomain';

type Parsed = { ok: true; object: ObservedObject<unknown> } | { ok: false; invalid: InvalidObject };

export class ObservedState {
  private readonly parsed = new Map<string, { resourceVersion: string; result: Parsed }>();
  private readonly informers: Informers;

  constructor(informers: Informers) {
    this.informers = informers;
  }

  snapshot(now: Date): Observed {
    const seen = new Set<string>();
    const invalid: InvalidObject[] = [];
    const valid = (kind: KindName): ObservedObject<unknown>[] => {
      const definition = allKinds.find((k) => k.kind === kind);
      if (!definition) throw new Error(`unknown kind ${kind}`);
      const objects: ObservedObject<unknown>[] = [];
      for (const object of this.informers.list(kind)) {
        const result = this.parse(kind, definition.spec, object, seen);
        if (result.ok) objects.push(result.object);
        else invalid.push(result.invalid);
      }
      return objects;
    };
    const observed: Observed = {
      carriers: valid('Carrier') as Observed['carriers'],
      accounts: valid('Account') as Observed['accounts'],
      inboundTrunks: valid('InboundTrunk') as Observed['inboundTrunks'],
      outboundTrunks: valid('OutboundTrunk') as Observed['outboundTrunks'],
      phoneNumbers: valid('PhoneNumber') as Observed['phoneNumbers'],
      sipDomains: valid('SipDomain') as Observed['sipDomains'],
      invalid,
      secrets: this.secrets(),
      workers: this.workers(now),
    };
    for (const key of this.parsed.keys()) if (!seen.has(key)) this.parsed.delete(key);
    return observed;
  }

  private parse(kind: string, schema: z.ZodType, object: KubernetesObject, seen: Set<string>): Parsed {
    const metadata = object.metadata as Metadata;
    const key = `${kind}/${metadata.uid}`;
    seen.add(key);
    const cached = this.parsed.get(key);
    if (cached && cached.resourceVersion === metadata.resourceVersion) return cached.result;
    const raw = object as KubernetesObject & { spec?: unknown; status?: ObservedObject<unknown>['status'] };
    const spec = schema.safeParse(raw.spec);
    const result: Parsed = spec.success
      ? { ok: true, object: { metadata, spec: spec.data, ...(raw.status ? { status: raw.status } : {}) } }
      : { ok: false, invalid: { kind, metadata, ...(raw.status ? { status: raw.status } : {}), error: spec.error.issues.map((issue) => `spec.${issue.path.join('.')}: ${issue.message}`).join('; ') } };
    this.parsed.set(key, { resourceVersion: metadata.resourceVersion ?? '', result });
    return result;
  }

  private secrets(): Map<string, ObservedSecret> {
    const secrets = new Map<string, ObservedSecret>();
    for (const object of this.informers.list('Secret') as V1Secret[]) {
      const { namespace = '', name = '' } = object.metadata ?? {};
      const data = Object.fromEntries(Object.entries(object.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
      secrets.set(`${namespace}/${name}`, { namespace, name, data });
    }
    return secrets;
  }

  /** Workers renew a Lease named after their pod; a lease renewed within its duration is a ready worker. */
  private workers(now: Date): WorkerReport[] {
    return (this.informers.list('Lease') as V1Lease[])
      .filter((lease) => lease.metadata?.labels?.[componentLabel] === 'sip-worker')
      .map((lease) => {
        const renewed = lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : 0;
        const duration = (lease.spec?.leaseDurationSeconds ?? 15) * 1000;
        const generation = lease.metadata?.annotations?.[routingGenerationAnnotation];
        return {
          namespace: lease.metadata?.namespace ?? '',
          carrier: lease.metadata?.labels?.[carrierLabel] ?? '',
          pod: lease.spec?.holderIdentity ?? lease.metadata?.name ?? '',
          ready: now.getTime() - renewed <= duration,
          ...(generation ? { routingGeneration: generation } : {}),
        };
      });
  }
}
