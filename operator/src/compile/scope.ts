// What the per-kind compile steps share within one pass: the observed objects and their indexes,
// each carrier's tables as they fill up, and the statuses and objects collected so far.
import { routingFormat, type AccountRoute, type WorkerSecrets } from '../../../api/routing/schema.ts';
import type { CarrierMembers } from './carrier-status.ts';
import type { CompileContext } from './compile.ts';
import { conditionsFor, standardConditions, type ConditionInput } from './conditions.ts';
import { countryNumbering } from './country.ts';
import type { DesiredObject } from './desired.ts';
import { eventWebhookSecret } from './event-webhook-secret.ts';
import { objectKey, type CarrierObject, type ObservedObject, type ObservedView } from './observed.ts';
import type { Index } from './policies.ts';
import type { ObjectRef } from './result.ts';
import type { CarrierTables } from './routing.ts';
import { StatusCollector } from './status-diff.ts';

export type CarrierState = CarrierTables & { members: CarrierMembers };

export const refOf = (kind: string, object: ObservedObject<unknown>): ObjectRef => ({ kind, namespace: object.metadata.namespace, name: object.metadata.name, uid: object.metadata.uid });

function emptyTables(carrier: CarrierObject): CarrierState {
  const numbering = countryNumbering(carrier.spec.country);
  return {
    carrier: {
      name: carrier.metadata.name,
      country: carrier.spec.country,
      callingCode: numbering.callingCode,
      nationalPrefix: numbering.nationalPrefix,
      ...(carrier.spec.sipDomainBase ? { sipDomainBase: carrier.spec.sipDomainBase } : {}),
      webhooks: carrier.spec.webhooks,
      mediaRelay: { enabled: carrier.spec.mediaRelay.enabled, symmetricLatching: carrier.spec.mediaRelay.symmetricLatching },
      ...(carrier.spec.push ? { push: { registrationTimeoutSeconds: carrier.spec.push.registrationTimeoutSeconds } } : {}),
    },
    accounts: new Map(),
    inboundTrunks: [],
    outboundTrunks: [],
    sipDomains: [],
    secrets: { format: routingFormat, authTokens: {}, outboundTrunks: {}, sipDomains: {} } satisfies WorkerSecrets,
    members: { accounts: 0, phoneNumbers: 0, inboundTrunks: 0, outboundTrunks: 0, sipDomains: 0 },
  };
}

export class CompileScope {
  readonly observed: ObservedView;
  readonly context: CompileContext;
  readonly index: Index;
  readonly collector = new StatusCollector();
  readonly tables = new Map<string, CarrierState>();
  readonly createOnly: DesiredObject[] = [];
  /** Routed numbers per Account (namespace/name), from the PhoneNumber index. */
  numbersPerAccount: ReadonlyMap<string, number> = new Map();
  /** An Account's status includes its number count, so it is written after the numbers are compiled. */
  readonly accountStatuses: Array<() => void> = [];

  constructor(observed: ObservedView, context: CompileContext) {
    this.observed = observed;
    this.context = context;
    this.index = {
      carriers: new Map(observed.carriers.map((carrier) => [objectKey(carrier.metadata), carrier])),
      accounts: new Map(observed.accounts.map((account) => [objectKey(account.metadata), account])),
      secrets: observed.secrets,
    };
    for (const carrier of observed.carriers) {
      const tables = emptyTables(carrier);
      const events = eventWebhookSecret(carrier, observed.secrets, context.randomBytes);
      if (events && carrier.spec.eventWebhook) {
        this.createOnly.push(events.object);
        tables.carrier.eventWebhook = { url: carrier.spec.eventWebhook.url };
        tables.secrets.eventWebhookSigningSecret = events.value;
      }
      this.tables.set(objectKey(carrier.metadata), tables);
    }
  }

  tablesOf(namespace: string, carrier: string): CarrierState | undefined {
    return this.tables.get(`${namespace}/${carrier}`);
  }

  routedAccount(namespace: string, carrier: string, account: string | undefined): AccountRoute | undefined {
    return account === undefined ? undefined : this.tablesOf(namespace, carrier)?.accounts.get(account);
  }

  /** The standard conditions (and any extra status fields) for one object, if they changed. */
  write<S>(kind: string, object: ObservedObject<S>, findings: Parameters<typeof standardConditions>[0], readyMessage: string, extra: Record<string, unknown> = {}, more: ConditionInput[] = []): void {
    const conditions = conditionsFor([...standardConditions(findings, readyMessage), ...more], object.status?.conditions, object.metadata.generation, this.context.now);
    this.collector.add(refOf(kind, object), object.status, { observedGeneration: object.metadata.generation ?? 0, conditions, ...extra });
  }
}
