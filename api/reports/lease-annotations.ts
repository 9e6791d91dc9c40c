// What Switchyard's pods tell the operator through their Leases (one Lease per pod, named after
// it, labelled with its component and Carrier). The pods write these annotations, the operator
// reads them into the Carrier's status; both sides import this file, so they cannot drift.
import { z } from 'zod';

/** A JSON annotation as `schema` reads it; absent, not JSON or not the schema's shape: undefined (a pod's word is never trusted further). */
function readJsonAnnotation<T extends z.ZodType>(schema: T, value: string | undefined): z.output<T> | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** On a SIP worker's Lease: the routing generation it serves (the Carrier's Programmed condition). */
export const routingGenerationAnnotation = 'telecom.switchyard.dev/routing-generation';

/** On a SIP worker's Lease: the outbound trunks its health checks find down, as a JSON array of names (absent: none). */
export const trunksDownAnnotation = 'telecom.switchyard.dev/outbound-trunks-down';

/** The annotation's value as the operator reads it; anything it cannot read counts as none down. */
export const readTrunksDown = (value: string | undefined): string[] => readJsonAnnotation(z.array(z.string().max(253)).max(1000), value) ?? [];

/** What a worker writes: sorted, so an unchanged set never rewrites the Lease. */
export const trunksDownValue = (names: Iterable<string>): string | undefined => {
  const sorted = [...names].sort();
  return sorted.length === 0 ? undefined : JSON.stringify(sorted);
};

/** On a SIP worker's Lease: how its deliveries to the Carrier's event webhook go, as JSON (the Carrier's EventWebhookDelivering condition). */
export const eventWebhookAnnotation = 'telecom.switchyard.dev/event-webhook';

export const eventWebhookReport = z.object({
  /** The webhook the report is about: a report on a URL the Carrier no longer names is stale. */
  url: z.string().max(2048),
  /** delivering: the last attempts were taken; failing: the last several in a row were not. */
  state: z.enum(['delivering', 'failing']),
  /** Why the failing attempts failed: HTTP 503, timeout, the connection error. */
  reason: z.string().max(200).optional(),
  /** When the state began (RFC 3339). */
  since: z.string(),
});

export type EventWebhookReport = z.output<typeof eventWebhookReport>;

/** The annotation's value as the operator reads it; anything it cannot read counts as no report. */
export const readEventWebhookReport = (value: string | undefined): EventWebhookReport | undefined => readJsonAnnotation(eventWebhookReport, value);

/** On a push service's Lease: what APNs and FCM last said of its credentials, as JSON (the Carrier's PushCredentialsValid condition). */
export const pushCredentialsAnnotation = 'telecom.switchyard.dev/push-credentials';

export const pushProviders = ['apns', 'fcm'] as const;
export type PushProvider = (typeof pushProviders)[number];

export const providerCredentials = z.object({
  /** unknown: not used yet; valid: the gateway took them; rejected: it refused them; unreadable: the mounted key is not a usable key. */
  state: z.enum(['unknown', 'valid', 'rejected', 'unreadable']),
  /** The gateway's reason (InvalidProviderToken, invalid_grant…) or KeyUnreadable. */
  reason: z.string().max(200).optional(),
  message: z.string().max(1000).optional(),
  /** When the state last changed (RFC 3339). */
  since: z.string(),
});

export type ProviderCredentials = z.output<typeof providerCredentials>;

export const pushCredentialsReport = z.object({ apns: providerCredentials.optional(), fcm: providerCredentials.optional() });

export type PushCredentialsReport = z.output<typeof pushCredentialsReport>;

/** The annotation's value as the operator reads it; anything it cannot read counts as no report. */
export const readPushCredentials = (value: string | undefined): PushCredentialsReport | undefined => readJsonAnnotation(pushCredentialsReport, value);
