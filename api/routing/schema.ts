// The compiled routing state: written by the operator into ConfigMaps (and one Secret), read by the
// SIP workers. This zod schema is the contract between the two; both sides parse with it.
//
// Layout per Carrier:
//   ConfigMap <carrier>-routing      data["manifest.json"]  → RoutingManifest
//   ConfigMap <carrier>-routing-<i>  binaryData["shard.json.gz"] → RoutingShard, gzip'd (shard-data.ts), i = 0..shards-1
//   Secret    <carrier>-worker-secrets data["secrets.json"] → WorkerSecrets
// Shards are written before the manifest. A reader takes the manifest, fetches every shard and the
// Secret, and accepts the set only if each sha256 (over the JSON text) matches the manifest; otherwise it keeps serving
// its previous generation and waits for the next manifest.
import { z } from 'zod';

export const manifestKey = 'manifest.json';
export const shardKey = 'shard.json';
export const secretsKey = 'secrets.json';
export const routingFormat = 'switchyard.routing/v1';

const webhook = z.object({ url: z.string(), method: z.enum(['POST', 'GET']) });
export type Webhook = z.infer<typeof webhook>;

export const carrierRoute = z.object({
  name: z.string(),
  country: z.string(),
  /** The country's calling code without "+", used to turn national numbers into E.164. */
  callingCode: z.string(),
  /** The national (trunk) prefix of the country, usually "0". */
  nationalPrefix: z.string(),
  sipDomainBase: z.string().optional(),
  webhooks: z.object({ timeoutSeconds: z.number(), signatureHeader: z.string() }),
  /** The carrier's own webhook for call events; its signing secret is in WorkerSecrets. */
  eventWebhook: z.object({ url: z.string() }).optional(),
  mediaRelay: z.object({ enabled: z.boolean(), symmetricLatching: z.boolean() }),
  push: z.object({ registrationTimeoutSeconds: z.number() }).optional(),
});

export const accountRoute = z.object({
  sid: z.string(),
  enabled: z.boolean(),
  voice: webhook.optional(),
  statusCallback: webhook.optional(),
});

export const inboundTrunkRoute = z.object({
  name: z.string(),
  enabled: z.boolean(),
  /** CIDRs (a bare address becomes /32 or /128). */
  sourceCIDRs: z.array(z.string()),
  account: z.string().optional(),
  normalization: z.object({ stripPrefix: z.string().optional(), addPrefix: z.string().optional(), nationalToE164: z.boolean() }),
});

export const outboundTrunkRoute = z.object({
  name: z.string(),
  enabled: z.boolean(),
  host: z.string(),
  /** Unset: located by SRV (RFC 3263). */
  port: z.number().optional(),
  transport: z.enum(['udp', 'tcp', 'tls']),
  dialString: z.object({ plusPrefix: z.boolean(), prefix: z.string(), nationalDialing: z.boolean(), nationalPrefix: z.string() }),
  routePrefixes: z.array(z.string()),
  priority: z.number(),
  weight: z.number(),
  stopFailoverCodes: z.array(z.number()),
  /** Whether WorkerSecrets holds digest credentials for this trunk. */
  hasCredentials: z.boolean(),
  callerIdOverride: z.string().optional(),
  /** Probed with OPTIONS when present (see sip-workers/src/calls/trunk-probes.ts). */
  healthCheck: z.object({ intervalSeconds: z.number(), failureThreshold: z.number() }).optional(),
});

export const sipDomainRoute = z.object({
  name: z.string(),
  /** The fully qualified domain in the Request-URI; also the digest realm. */
  domain: z.string(),
  enabled: z.boolean(),
  account: z.string(),
  acl: z.array(z.string()),
  authentication: z.enum(['aclOrDigest', 'aclAndDigest']),
  forwardCustomHeaders: z.boolean(),
  voice: webhook.optional(),
  fallback: webhook.optional(),
  /** Usernames with an HA1 in WorkerSecrets. */
  usernames: z.array(z.string()),
});

export const numberRoute = z.object({
  type: z.enum(['local', 'mobile', 'tollFree', 'shortCode']),
  enabled: z.boolean(),
  account: z.string().optional(),
  voice: webhook.optional(),
  fallback: webhook.optional(),
  statusCallback: webhook.optional(),
});

/**
 * A route's key in the routes dictionary: the first 16 hex digits of the sha256 of its JSON text,
 * so a key names one content and never changes meaning.
 */
export const routeKey = z.string().regex(/^[0-9a-f]{16}$/);

export const routingShard = z.object({
  format: z.literal(routingFormat),
  carrier: z.string(),
  index: z.number().int(),
  /** Shard 0 carries the carrier-wide tables; accounts and numbers are spread over all shards by hash. */
  core: z
    .object({
      carrier: carrierRoute,
      inboundTrunks: z.array(inboundTrunkRoute),
      outboundTrunks: z.array(outboundTrunkRoute),
      sipDomains: z.array(sipDomainRoute),
    })
    .optional(),
  /** Account name → route. */
  accounts: z.record(z.string(), accountRoute),
  /**
   * Route key → route, each in the shard its key hashes to. Numbers share a few routes (a
   * carrier's numbers mostly point at their accounts' apps), so each route is written once rather
   * than once per number: a fifth of the text workers hash, read and keep.
   */
  routes: z.record(routeKey, numberRoute).optional(),
  /**
   * Normalised number (E.164 with "+", or a short code) → the key of its route in `routes` (in
   * whichever shard that is), or the route itself written in place.
   */
  numbers: z.record(z.string(), z.union([routeKey, numberRoute])),
});

export const routingManifest = z.object({
  format: z.literal(routingFormat),
  carrier: z.string(),
  /** Content hash of the whole state: equal generations route identically. */
  generation: z.string(),
  shards: z.array(z.object({ name: z.string(), sha256: z.string() })),
  secrets: z.object({ name: z.string(), sha256: z.string() }),
});

export const digestCredential = z.object({
  /** The username as challenged: `user` or the composite `user@domain`. */
  username: z.string(),
  realm: z.string(),
  /** MD5(username:realm:password). */
  ha1: z.string(),
  /** MD5(username@realm:realm:password), Bandwidth's Hash1b. */
  ha1b: z.string(),
});

export const workerSecrets = z.object({
  format: z.literal(routingFormat),
  /** Account SID → auth token, for webhook signatures. */
  authTokens: z.record(z.string(), z.string()),
  /** OutboundTrunk name → credentials answering its challenges. */
  outboundTrunks: z.record(z.string(), digestCredential),
  /** SIP domain (FQDN) → username → credential (realm = the domain). */
  sipDomains: z.record(z.string(), z.record(z.string(), digestCredential)),
  /** Signs the carrier's event webhook requests (HS256); present with the carrier route's eventWebhook. */
  eventWebhookSigningSecret: z.string().optional(),
});

export type CarrierRoute = z.infer<typeof carrierRoute>;
export type AccountRoute = z.infer<typeof accountRoute>;
export type InboundTrunkRoute = z.infer<typeof inboundTrunkRoute>;
export type OutboundTrunkRoute = z.infer<typeof outboundTrunkRoute>;
export type SipDomainRoute = z.infer<typeof sipDomainRoute>;
export type NumberRoute = z.infer<typeof numberRoute>;
export type RoutingShard = z.infer<typeof routingShard>;
export type RoutingManifest = z.infer<typeof routingManifest>;
export type DigestCredential = z.infer<typeof digestCredential>;
export type WorkerSecrets = z.infer<typeof workerSecrets>;
