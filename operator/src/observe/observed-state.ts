// The typed stores the reflectors fill, and the view of them the compile step reads. Valid and
// invalid Switchyard objects are kept apart as they arrive, so a pass never walks 100,000
// PhoneNumbers to find the few that do not parse.
import type { Logger } from 'pino';
import { allKinds } from '../../../api/v1alpha1/kinds.ts';
import type { InvalidObject, ObservedObject, ObservedView, PhoneNumberObject } from '../compile/observed.ts';
import type { ApiClient } from '../../../api/kube/client.ts';
import { leaseEntry, ownedMeta, podReports, parseSwitchyardObject, secretEntry, type LeaseEntry, type OwnedMeta, type Parsed, type SecretEntry } from './projections.ts';
import { Reflector, type ProjectionStore } from './reflector.ts';
import { serviceEntry, type ServiceEntry } from './service-addresses.ts';

export interface WatchedKind {
  kind: string;
  labelSelector?: string;
}

/** Told about every change once the store holds it; `current` undefined means deleted. */
export type ChangeListener = (kind: string, key: string, previous: unknown, current: unknown) => void;

/** One kind's objects split by whether they parse; a ProjectionStore of `Parsed` for the reflector. */
class ParsedStore implements ProjectionStore<Parsed> {
  readonly valid = new Map<string, ObservedObject<unknown>>();
  readonly invalid = new Map<string, InvalidObject>();

  get(key: string): Parsed | undefined {
    const object = this.valid.get(key);
    if (object) return { ok: true, object };
    const invalid = this.invalid.get(key);
    return invalid ? { ok: false, invalid } : undefined;
  }

  set(key: string, value: Parsed): void {
    if (value.ok) {
      this.valid.set(key, value.object);
      this.invalid.delete(key);
    } else {
      this.invalid.set(key, value.invalid);
      this.valid.delete(key);
    }
  }

  delete(key: string): void {
    this.valid.delete(key);
    this.invalid.delete(key);
  }

  *keys(): Iterable<string> {
    yield* this.valid.keys();
    yield* this.invalid.keys();
  }

  get size(): number {
    return this.valid.size + this.invalid.size;
  }
}

export class ObservedState {
  private readonly switchyard = new Map(allKinds.map((kind) => [kind.kind, new ParsedStore()]));
  private readonly secrets = new Map<string, SecretEntry>();
  /** Owned kinds (ConfigMap, Deployment...) by kind, then namespace/name. */
  private readonly owned = new Map<string, Map<string, OwnedMeta>>();
  private readonly leases = new Map<string, LeaseEntry>();
  /** The owned Services, also in `owned`: their addresses go into Carriers' statuses. */
  private readonly services = new Map<string, ServiceEntry>();

  /** One reflector per watched kind, each filling its typed store. */
  reflectors(client: ApiClient, log: Logger, kinds: WatchedKind[], onChange: ChangeListener): Array<Pick<Reflector<unknown>, 'start'>> {
    return kinds.map(({ kind, labelSelector }) => {
      const listener = (key: string, previous: unknown, current: unknown) => onChange(kind, key, previous, current);
      const common = { kind, ...(labelSelector ? { labelSelector } : {}), onChange: listener };
      const definition = allKinds.find((k) => k.kind === kind);
      const parsedStore = this.switchyard.get(kind);
      if (definition && parsedStore) return new Reflector<Parsed>(client, log, { ...common, store: parsedStore, project: parseSwitchyardObject(kind, definition.spec) });
      if (kind === 'Secret') return new Reflector<SecretEntry>(client, log, { ...common, store: this.secrets, project: secretEntry });
      if (kind === 'Lease') return new Reflector<LeaseEntry>(client, log, { ...common, store: this.leases, project: leaseEntry });
      // Whole objects, not metadata: a Service's addresses are in its spec and status (a few per Carrier).
      if (kind === 'Service') {
        this.owned.set(kind, this.services);
        return new Reflector<ServiceEntry>(client, log, { ...common, store: this.services, project: serviceEntry });
      }
      const store = new Map<string, OwnedMeta>();
      this.owned.set(kind, store);
      return new Reflector<OwnedMeta>(client, log, { ...common, metadataOnly: true, store, project: ownedMeta });
    });
  }

  /** What the compile step reads: small kinds as lists (rebuilt per pass), PhoneNumbers as the live store. */
  view(now: Date): ObservedView {
    const valid = <T>(kind: string) => [...(this.switchyard.get(kind)?.valid.values() ?? [])] as T[];
    const phoneNumbers = this.switchyard.get('PhoneNumber');
    return {
      carriers: valid('Carrier'),
      accounts: valid('Account'),
      inboundTrunks: valid('InboundTrunk'),
      outboundTrunks: valid('OutboundTrunk'),
      sipDomains: valid('SipDomain'),
      invalid: [...this.switchyard.entries()].filter(([kind]) => kind !== 'PhoneNumber').flatMap(([, store]) => [...store.invalid.values()]),
      phoneNumbers: (phoneNumbers?.valid ?? new Map()) as ReadonlyMap<string, PhoneNumberObject>,
      invalidPhoneNumbers: phoneNumbers?.invalid ?? new Map(),
      secrets: this.secrets,
      ...podReports(this.leases.values(), now),
      serviceAddresses: new Map([...this.services].filter(([, service]) => service.addresses.length > 0).map(([key, service]) => [key, service.addresses])),
    };
  }

  /** The owned object (or any Secret) as last seen, for the applier. */
  ownedObject(kind: string, namespace: string, name: string): OwnedMeta | undefined {
    const key = `${namespace}/${name}`;
    return kind === 'Secret' ? this.secrets.get(key)?.owned : this.owned.get(kind)?.get(key);
  }

  /** Every object labelled as managed by Switchyard, for pruning. */
  allOwned(): Array<{ kind: string; namespace: string; name: string; ownedBySwitchyard: boolean }> {
    const stores: Array<[string, Iterable<[string, OwnedMeta]>]> = [...this.owned.entries(), ['Secret', [...this.secrets.entries()].map(([key, secret]): [string, OwnedMeta] => [key, secret.owned])]];
    return stores.flatMap(([kind, store]) => [...store]
      .filter(([, meta]) => meta.managed)
      .map(([key, meta]) => {
        const [namespace = '', name = ''] = key.split('/');
        return { kind, namespace, name, ownedBySwitchyard: meta.controlledByCarrier };
      }));
  }

  count(kind: string): number {
    return this.switchyard.get(kind)?.size ?? 0;
  }
}
