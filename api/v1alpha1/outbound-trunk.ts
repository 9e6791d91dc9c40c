import { z } from 'zod';
import { carrierRef, conditions, defineKind, enabled, hashesSecretRef, hostOrIP, objectName, observedGeneration, passwordOrHashes, secretKeySelector, trailingColumns } from './meta.ts';

const dialString = z
  .object({
    plusPrefix: z.boolean().default(false).describe('Keep the "+" of E.164 numbers in the dial string. Defaults to false (sip:85512345678@host).'),
    prefix: z.string().max(16).regex(/^[0-9*#]*$/).default('').describe('Digits (or * and #) put before the number, e.g. a technical prefix the carrier asked for.'),
    nationalDialing: z.boolean().default(false).describe('Dial numbers of the Carrier\'s own country in national format: country code replaced by nationalPrefix (e.g. +85512345678 → 012345678). Defaults to false.'),
    nationalPrefix: z.string().max(4).regex(/^[0-9]*$/).default('0').describe('The trunk prefix used for national dialing. Defaults to 0.'),
  })
  .prefault({})
  .describe('How the called number becomes the user part of the Request-URI sent to the trunk: sip:<prefix><number>@<host>:<port>.');

const credentials = z
  .object({
    username: z.string().min(1).max(128).regex(/^[^\s@:]+$/).describe('Digest username the trunk issued.'),
    domain: hostOrIP('Optional domain refining the username: the digest username becomes the composite username@domain (as in Bandwidth\'s SIP credentials).').optional(),
    realm: z.string().max(253).optional().describe('Realm the trunk challenges with. Its HA1 hashes are precomputed for this realm; empty uses the trunk host.'),
    passwordSecretRef: secretKeySelector('the digest password', 'password').optional(),
    hashesSecretRef: hashesSecretRef('realm above (the trunk host when empty), and username the composite username@domain when domain is set').optional(),
  })
  .describe('Digest credentials answering the trunk\'s 401/407 challenges, from a password or from its HA1 hashes. The operator stores only HA1 hashes in routing state.')
  .meta(passwordOrHashes);

export const outboundTrunkSpec = z
  .object({
    carrierRef: carrierRef(),
    host: hostOrIP('Where calls are sent: a fully qualified domain name or an IP address.'),
    port: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .optional()
      .describe('SIP port of the host. Unset: the host is located by DNS as RFC 3263 says, its SRV records for the transport (_sip._udp, _sip._tcp or _sips._tcp) naming the servers and their ports, else the host itself at 5060 (5061 for TLS); an IP address uses 5060 (5061 for TLS). Set: the host\'s addresses at this port, no SRV lookup.'),
    transport: z.enum(['udp', 'tcp', 'tls']).default('udp').describe('SIP transport: udp, tcp or tls. Defaults to udp.'),
    dialString,
    routePrefixes: z
      .array(z.string().max(15).regex(/^[0-9]{1,15}$/).describe('Digits of an E.164 prefix without "+", e.g. 855 or 85597.'))
      .max(1000)
      .default([])
      .describe('E.164 prefixes (digits, no "+") this trunk carries. The longest matching prefix wins; an empty list makes the trunk a default route for any number.'),
    priority: z.number().int().min(0).max(65535).default(10).describe('Among trunks with the same longest prefix, lower priority values are tried first. Defaults to 10.'),
    weight: z.number().int().min(0).max(65535).default(100).describe('Among trunks of equal priority, share of calls in proportion to weight. Defaults to 100.'),
    stopFailoverCodes: z
      .array(z.number().int().min(400).max(699))
      .max(50)
      .default([])
      .describe('Final SIP response codes that end the call instead of failing over to the next trunk (e.g. 486 Busy Here, 603 Decline). Timeouts and other 5xx/6xx codes fail over.'),
    credentials: credentials.optional(),
    callerIdOverride: z.string().max(16).regex(/^\+?[0-9]{3,15}$/).optional().describe('Caller ID presented on every call through this trunk, replacing the one the webhook chose.'),
    healthCheck: z
      .object({
        intervalSeconds: z.number().int().min(2).max(3600).default(30).describe('How often each SIP worker sends an OPTIONS to each of the trunk\'s servers (every address or SRV target its host resolves to, up to 8). Defaults to 30.'),
        failureThreshold: z.number().int().min(1).max(10).default(3).describe('Unanswered OPTIONS (none within 5 s, or at most the interval) or 503s in a row that mark the trunk down. Defaults to 3. One answer marks it up again.'),
      })
      .optional()
      .describe('Probe the trunk with SIP OPTIONS, as carriers\' SBCs do. A trunk marked down is tried only after every trunk that is up, so calls skip a dead trunk instead of waiting out its timeout. Any answer but 503 counts as up (a 404 or 405 to OPTIONS still proves the trunk is there). A trunk with several servers is up while one answers, and calls try the servers that did not after the others. Each worker probes on its own.'),
    enabled: enabled('the trunk'),
  })
  .describe('Desired state of the OutboundTrunk.');

export const outboundTrunkStatus = z
  .object({
    observedGeneration: observedGeneration().optional(),
    conditions: conditions().optional(),
    credentialsSecret: objectName('Name of the Secret holding the HA1 hashes derived from the credentials.').optional(),
  })
  .describe('Observed state of the OutboundTrunk.');

export const OutboundTrunk = defineKind({
  kind: 'OutboundTrunk',
  plural: 'outboundtrunks',
  shortNames: ['otrunk'],
  description: 'An OutboundTrunk is where calls leave the platform: a SIP host, the dial string it expects, the number prefixes it carries, its order among other trunks, and the digest credentials it challenges for.',
  spec: outboundTrunkSpec,
  status: outboundTrunkStatus,
  printerColumns: [
    { name: 'Carrier', type: 'string', jsonPath: '.spec.carrierRef.name' },
    { name: 'Host', type: 'string', jsonPath: '.spec.host' },
    { name: 'Transport', type: 'string', jsonPath: '.spec.transport' },
    { name: 'Prefixes', type: 'string', jsonPath: '.spec.routePrefixes' },
    { name: 'Priority', type: 'integer', jsonPath: '.spec.priority' },
    { name: 'Enabled', type: 'boolean', jsonPath: '.spec.enabled' },
    { name: 'Reachable', type: 'string', jsonPath: '.status.conditions[?(@.type=="Reachable")].status', description: 'Whether the trunk answers the workers\' OPTIONS health checks (empty without a health check).' },
    ...trailingColumns,
  ],
});
