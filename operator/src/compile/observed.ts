// What the compile step sees: every Switchyard object (spec already parsed by zod, defaults applied),
// the Secrets it references or owns, and what the workers report. Built by the watchers; no I/O here.
import type { EventWebhookReport, PushCredentialsReport } from '../../../api/reports/lease-annotations.ts';
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { z } from 'zod';
import type { accountSpec } from '../../../api/v1alpha1/account.ts';
import type { carrierSpec } from '../../../api/v1alpha1/carrier.ts';
import type { inboundTrunkSpec } from '../../../api/v1alpha1/inbound-trunk.ts';
import type { outboundTrunkSpec } from '../../../api/v1alpha1/outbound-trunk.ts';
import type { phoneNumberSpec } from '../../../api/v1alpha1/phone-number.ts';
import type { sipDomainSpec } from '../../../api/v1alpha1/sip-domain.ts';
import type { Condition } from './conditions.ts';

export type Metadata = Omit<V1ObjectMeta, 'creationTimestamp'> & { name: string; namespace: string; uid: string; creationTimestamp: string | Date; generation?: number };

export interface ObservedObject<Spec> {
  metadata: Metadata;
  spec: Spec;
  /** The status as last read; conditions keep their transition times when nothing changed. */
  status?: { conditions?: Condition[]; [field: string]: unknown };
}

export type CarrierObject = ObservedObject<z.output<typeof carrierSpec>>;
export type AccountObject = ObservedObject<z.output<typeof accountSpec>>;
export type InboundTrunkObject = ObservedObject<z.output<typeof inboundTrunkSpec>>;
export type OutboundTrunkObject = ObservedObject<z.output<typeof outboundTrunkSpec>>;
export type PhoneNumberObject = ObservedObject<z.output<typeof phoneNumberSpec>>;
export type SipDomainObject = ObservedObject<z.output<typeof sipDomainSpec>>;

/** A Secret's data, decoded; the compile step never sees Secrets it did not ask for. */
export interface ObservedSecret {
  namespace: string;
  name: string;
  data: Record<string, string>;
}

/** What one push service pod says of the Carrier's push credentials (its Lease). */
export interface PushServiceReport {
  namespace: string;
  carrier: string;
  pod: string;
  /** Renewed within its duration: a running pod. */
  live: boolean;
  credentials?: PushCredentialsReport;
}

/** What one SIP worker pod says about itself. */
export interface WorkerReport {
  namespace: string;
  carrier: string;
  pod: string;
  ready: boolean;
  routingGeneration?: string;
  /** Outbound trunks its health checks find down. */
  trunksDown: readonly string[];
  /** How its deliveries to the Carrier's event webhook go; absent before its first attempt. */
  eventWebhook?: EventWebhookReport;
}

/** An object whose spec failed to parse: it gets an Accepted=False condition and stays out of routing. */
export interface InvalidObject {
  kind: string;
  metadata: Metadata;
  status?: ObservedObject<unknown>['status'];
  error: string;
}

/** An address a Service is reached at, as Gateway API's status.addresses has them. */
export interface ServiceAddress {
  type: 'IPAddress' | 'Hostname';
  value: string;
}

export interface Observed {
  carriers: CarrierObject[];
  accounts: AccountObject[];
  inboundTrunks: InboundTrunkObject[];
  outboundTrunks: OutboundTrunkObject[];
  phoneNumbers: PhoneNumberObject[];
  sipDomains: SipDomainObject[];
  invalid: InvalidObject[];
  /** Keyed by `namespace/name`. */
  secrets: ReadonlyMap<string, ObservedSecret>;
  workers: WorkerReport[];
  pushServices: PushServiceReport[];
  /** The addresses of the Services the operator owns, keyed by `namespace/name`; those with none are absent. */
  serviceAddresses?: ReadonlyMap<string, readonly ServiceAddress[]>;
}

/**
 * The same, as the operator keeps it between passes: PhoneNumbers (the one kind that counts in
 * the hundred thousands) stay in their store, keyed by `namespace/name`, so that a pass can look up
 * the few that changed instead of walking them all. `invalid` holds the other kinds' invalid objects.
 */
export interface ObservedView extends Omit<Observed, 'phoneNumbers'> {
  phoneNumbers: ReadonlyMap<string, PhoneNumberObject>;
  invalidPhoneNumbers: ReadonlyMap<string, InvalidObject>;
}

export const objectKey = (metadata: { namespace: string; name: string }) => `${metadata.namespace}/${metadata.name}`;

const createdAt = new WeakMap<Metadata, number>();
const creationTime = (metadata: Metadata) => {
  let time = createdAt.get(metadata);
  if (time === undefined) createdAt.set(metadata, (time = new Date(metadata.creationTimestamp).getTime()));
  return time;
};

/** Older first; ties broken by namespace/name so the order never depends on list order. */
export function byAge(a: { metadata: Metadata }, b: { metadata: Metadata }): number {
  const difference = creationTime(a.metadata) - creationTime(b.metadata);
  if (difference !== 0) return difference;
  const ka = objectKey(a.metadata);
  const kb = objectKey(b.metadata);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
