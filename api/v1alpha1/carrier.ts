import { z } from 'zod';
import { conditions, defineKind, hostOrIP, httpURL, objectName, observedGeneration, portWithDefault, resourceRequirements, secretKeySelector, trailingColumns, validations } from './meta.ts';

const image = (what: string) => z.string().min(1).max(512).optional().describe(`Container image for the ${what}. Defaults to the image the operator was released with.`);

const sipTls = z
  .object({
    secretRef: z
      .object({ name: objectName('Name of the Secret in the same namespace.') })
      .describe('A kubernetes.io/tls Secret (tls.crt, tls.key), e.g. one cert-manager keeps renewed: workers load a renewed certificate within a minute, without a restart.'),
    port: portWithDefault('Port of SIP over TLS. Defaults to 5061.', 5061),
    caSecretRef: secretKeySelector('PEM CAs that trunks\' and SIP URIs\' certificates are checked against, instead of the system CAs', 'ca.crt').optional(),
  })
  .describe('SIP over TLS (RFC 3261 §26): carriers and customers connect to this port, and OutboundTrunks with transport tls and sips: or transport=tls URIs are reached over TLS, their certificates verified.');

const sipWorkerAutoscaling = z
  .object({
    minReplicas: z.number().int().min(1).max(100).default(2).describe('Fewest SIP worker pods. Defaults to 2, so a rollout or a lost node never drops the trunk.'),
    maxReplicas: z.number().int().min(1).max(100).describe('Most SIP worker pods.'),
    targetCPUUtilizationPercentage: z
      .number().int().min(10).max(100).optional()
      .describe('Average CPU use, in percent of resources.requests.cpu (which must be set), that the pool is scaled to keep. A worker\'s CPU follows its call rate, so this scales on calls per second.'),
    targetActiveCallsPerPod: z
      .number().int().min(1).max(100000).optional()
      .describe('Average calls in progress per worker that the pool is scaled to keep: the workers\' switchyard_active_calls metric, which a custom metrics adapter (e.g. prometheus-adapter) must serve to the autoscaler.'),
    scaleDownStabilizationSeconds: z
      .number().int().min(0).max(3600).default(300)
      .describe('How long load must stay low before the pool shrinks. Defaults to 300. It then shrinks one worker a minute: a removed worker refuses new calls and lets its calls end for up to a minute.'),
  })
  .describe('Scale the SIP worker pool with a HorizontalPodAutoscaler instead of a fixed replicas: the autoscaler owns the Deployment\'s replica count, which the operator then never sets.')
  .meta(validations(
    { rule: 'self.minReplicas <= self.maxReplicas', message: 'autoscaling.minReplicas must not exceed maxReplicas' },
    { rule: 'has(self.targetCPUUtilizationPercentage) || has(self.targetActiveCallsPerPod)', message: 'autoscaling needs targetCPUUtilizationPercentage, targetActiveCallsPerPod or both' },
  ));

const sipWorkerPool = z
  .object({
    replicas: z.number().int().min(1).max(100).default(2).describe('Number of SIP worker pods. Defaults to 2, so a rollout or a lost node never drops the trunk. Ignored when autoscaling is set.'),
    autoscaling: sipWorkerAutoscaling.optional(),
    image: image('SIP workers'),
    service: z
      .object({
        type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer']).default('LoadBalancer').describe('Kubernetes Service type that exposes SIP. Defaults to LoadBalancer; its externalTrafficPolicy is always Local so that workers see the carriers\' real source IPs.'),
        annotations: z.record(z.string(), z.string()).optional().describe('Annotations for the SIP Service, e.g. for a cloud load balancer.'),
        loadBalancerSourceRanges: z.array(z.string().max(64)).max(64).optional().describe('CIDRs allowed to reach a LoadBalancer Service; empty allows all.'),
      })
      .prefault({})
      .describe('How the SIP worker pool is exposed.'),
    ports: z
      .object({
        sip: portWithDefault('SIP port for UDP and TCP. Defaults to 5060.', 5060),
        http: portWithDefault('HTTP port for /metrics, /livez and /readyz. Defaults to 8080. (The zero-config launch handler is the push service\'s GET /p.)', 8080),
        api: portWithDefault('Port of the REST API, where the carrier\'s accounts place calls as with Twilio\'s (POST /2010-04-01/Accounts/{AccountSid}/Calls.json, Basic auth with the Account SID and auth token). The ClusterIP Service <carrier>-api exposes it; put an Ingress with TLS in front. Defaults to 8081.', 8081),
      })
      .prefault({})
      .describe('Ports the SIP workers listen on.'),
    tls: sipTls.optional(),
    resources: resourceRequirements('SIP worker')
      .describe('Compute resources for each SIP worker container. limits.memory also sets the worker\'s V8 heap to 70% of it (NODE_OPTIONS=--max-old-space-size): finished calls are kept 32 s, up to ~10 KB each, so plan ~512Mi for 500 calls a second per worker and ~1Gi for 1,000.')
      .optional(),
  })
  .prefault({})
  .describe('The pool of SIP worker pods that carriers and customers send SIP to.')
  .meta(validations({
    rule: '!has(self.autoscaling) || !has(self.autoscaling.targetCPUUtilizationPercentage) || (has(self.resources) && has(self.resources.requests) && has(self.resources.requests.cpu))',
    message: 'autoscaling on CPU (targetCPUUtilizationPercentage) needs resources.requests.cpu: utilization is a percentage of it',
  }));

const mediaRelay = z
  .object({
    enabled: z.boolean().default(true).describe('Whether calls anchor their media on the relay. Defaults to true.'),
    replicas: z.number().int().min(1).max(100).default(1).describe('Number of rtpengine pods. Defaults to 1.'),
    image: image('media relay (rtpengine)'),
    portRange: z
      .object({
        min: z.number().int().min(1024).max(65535).default(30000).describe('Lowest RTP port. Defaults to 30000.'),
        max: z.number().int().min(1024).max(65535).default(40000).describe('Highest RTP port. Defaults to 40000.'),
      })
      .prefault({})
      .describe('UDP ports the relay allocates for RTP and RTCP.')
      .meta(validations({ rule: '!has(self.min) || !has(self.max) || self.min < self.max', message: 'portRange.min must be lower than portRange.max' })),
    publicIP: hostOrIP('Address advertised in SDP when the relay sits behind NAT (its public IP). Empty advertises the pod address.').optional(),
    symmetricLatching: z.boolean().default(true).describe('Learn each endpoint\'s RTP address from the packets it sends and send to that address, ignoring the SDP c= line and m= port, so endpoints behind NAT get two-way audio. Defaults to true.'),
    resources: resourceRequirements('media relay').optional(),
  })
  .prefault({})
  .describe('The rtpengine media relays that anchor RTP for calls crossing the platform.');

const apns = z
  .object({
    teamID: z.string().regex(/^[A-Z0-9]{10}$/).describe('Apple Developer Team ID, 10 characters: the issuer of provider tokens, the first part of the apps\' pn-param, and the OU of an APNs certificate\'s subject.'),
    keyID: z.string().regex(/^[A-Z0-9]{10}$/).optional().describe('ID of the APNs authentication key (.p8), 10 characters. Required with privateKeySecretRef.'),
    topic: z.string().min(1).max(255).describe('The app\'s bundle ID (for VoIP pushes, with the .voip suffix).'),
    environment: z.enum(['production', 'development']).default('production').describe('APNs environment. Defaults to production.'),
    privateKeySecretRef: secretKeySelector('the APNs .p8 private key (PEM)', 'key.p8').optional(),
    certificateSecretRef: z
      .object({ name: objectName('Name of the Secret in the same namespace.') })
      .optional()
      .describe('A kubernetes.io/tls Secret with the Apple Push Notification service SSL certificate (tls.crt) and its private key (tls.key), both PEM: certificate-based authentication, as sip:carrier\'s pushd takes PushChatCert.pem and PushChatKey.pem, instead of a provider token. The Carrier\'s PushCredentialsValid condition turns False when the certificate is unreadable, not the key\'s, not for teamID and topic, or expired.'),
  })
  .describe('Apple Push Notification service settings: a token-based (ES256) provider key (privateKeySecretRef with keyID) or a certificate (certificateSecretRef).')
  .meta(validations(
    { rule: 'has(self.privateKeySecretRef) != has(self.certificateSecretRef)', message: 'set privateKeySecretRef (a .p8 provider key, with keyID) or certificateSecretRef (an APNs certificate), not both' },
    { rule: '!has(self.privateKeySecretRef) || has(self.keyID)', message: 'keyID is required with privateKeySecretRef', fieldPath: '.keyID', reason: 'FieldValueRequired' },
  ));

const fcm = z
  .object({
    projectID: z.string().min(1).max(128).describe('Firebase project ID.'),
    serviceAccountSecretRef: secretKeySelector('the Google service-account key JSON', 'service-account.json'),
  })
  .describe('Firebase Cloud Messaging (HTTP v1 API) settings.');

const push = z
  .object({
    apns: apns.optional(),
    fcm: fcm.optional(),
    replicas: z.number().int().min(1).max(20).default(1).describe('Number of push service pods. Defaults to 1.'),
    image: image('push service'),
    registrationTimeoutSeconds: z.number().int().min(1).max(120).default(30).describe('How long a call waits for the woken phone to REGISTER before the caller gets 480. Defaults to 30.'),
  })
  .describe('Mobile push: wake a sleeping app when its user is called and has no live registration.')
  .meta(validations({ rule: 'has(self.apns) || has(self.fcm)', message: 'push needs apns, fcm or both' }));

const registrar = z
  .object({
    redisURLSecretRef: secretKeySelector('the Redis URL (redis://[user:password@]host:port[/db], or rediss:// for TLS) where SIP workers keep registrations', 'url'),
  })
  .describe('Registrations of SipDomain users (REGISTER with digest): bindings live in this Redis with their expiry, shared by every SIP worker replica. Without it, workers answer REGISTER with 405. The operator also creates the Secret <carrier>-sip-worker-key once (a key the replicas share to sign RFC 5626 flow tokens), so a call on any replica reaches a phone registered over TCP or TLS, or over UDP from behind NAT, through the replica its REGISTER reached.');

const webhooks = z
  .object({
    timeoutSeconds: z.number().int().min(1).max(60).default(10).describe('How long a worker waits for a webhook answer before trying the fallback URL. Defaults to 10.'),
    signatureHeader: z.string().regex(/^[A-Za-z0-9-]+$/).max(64).default('X-Twilio-Signature').describe('Header carrying the request signature: HMAC-SHA1 over the URL and sorted POST parameters, keyed with the account\'s auth token, exactly as Twilio computes it. Defaults to X-Twilio-Signature, which Twilio request validators check.'),
  })
  .prefault({})
  .describe('How SIP workers call account webhooks.');

const eventWebhook = z
  .object({
    url: httpURL('Where SIP workers POST the carrier\'s events (phone_call.completed when each call ends, with its status, duration and the trunk that carried it), as Somleng notifies a carrier\'s webhook endpoint.'),
  })
  .describe('The carrier\'s own webhook for call events, for billing and monitoring. Each POST carries Authorization: Bearer <JWT>, an HS256 token (iss Switchyard, exp 5 minutes) signed with the signing secret the operator creates once in the Secret <carrier>-event-webhook (key signingSecret; status.eventWebhookSigningSecret names it). Delete that Secret to rotate it. Failed deliveries are retried with backoff (1 s doubling, 10 attempts over about 8.5 minutes) by the worker that handled the call; events still undelivered when that worker stops are lost, and counted.');

const calls = z
  .object({
    maxDurationSeconds: z.number().int().min(60).max(86_400).default(14_400).describe('An answered call is hung up (BYE to both parties) after this long, as Twilio\'s <Dial timeLimit> defaults to 4 hours. Defaults to 14400.'),
    dialogKeepaliveSeconds: z.number().int().min(0).max(3600).default(300).describe('How often an answered call sends an OPTIONS inside each party\'s dialog. A 481, a 408 or no answer means that party lost the call (crashed, restarted, or its BYE never arrived), and the call ends at once instead of running, and being billed, until maxDurationSeconds. 0 turns it off. Defaults to 300.'),
    apiCallsPerSecond: z.number().int().min(1).max(1000).default(1).describe('Calls each Account may place through the REST API (Calls.json) per second, on each SIP worker: a leaked auth token places no more. A burst of twice as many is taken at once; beyond that the request gets 429 with Twilio\'s code 20429 and Retry-After. Defaults to 1, Twilio\'s default for an account.'),
    apiCallRetentionSeconds: z.number().int().min(60).max(604_800).default(3600).describe('How long the REST API can still fetch a call (GET Calls/{CallSid}.json) after it ended. With spec.registrar each call is kept in its Redis for this long, about 0.5 KB a call, so a carrier taking 100 calls a second holds ~180 MB there at the default; without it each SIP worker keeps at most its last 20,000 ended calls in memory. Defaults to 3600.'),
  })
  .prefault({})
  .describe('Limits the SIP workers apply to every answered call.');

export const carrierSpec = z
  .object({
    displayName: z.string().min(1).max(100).describe('The carrier\'s name as shown to its customers.'),
    country: z.string().regex(/^[A-Z]{2}$/).describe('ISO 3166-1 alpha-2 country code (e.g. KH). National numbers on inbound trunks are turned into E.164 with this country\'s calling code.'),
    sipDomainBase: hostOrIP('Base domain of the carrier\'s SIP domains: a SipDomain named acme in region eu answers at acme.sip-eu.<sipDomainBase>.').optional(),
    sipWorkers: sipWorkerPool,
    mediaRelay,
    push: push.optional(),
    registrar: registrar.optional(),
    webhooks,
    eventWebhook: eventWebhook.optional(),
    calls,
  })
  .describe('Desired state of the Carrier.');

export const carrierStatus = z
  .object({
    observedGeneration: observedGeneration().optional(),
    conditions: conditions().optional(),
    routingGeneration: z.string().max(64).optional().describe('The generation of compiled routing state the operator last published for this carrier.'),
    workers: z
      .object({
        ready: z.number().int().min(0).describe('SIP worker pods that are ready.'),
        programmed: z.number().int().min(0).describe('Ready SIP worker pods serving the current routing generation.'),
      })
      .optional()
      .describe('SIP worker pool progress.'),
    counts: z
      .object({
        accounts: z.number().int().min(0).describe('Accounts in routing.'),
        phoneNumbers: z.number().int().min(0).describe('Phone numbers in routing.'),
        inboundTrunks: z.number().int().min(0).describe('Inbound trunks in routing.'),
        outboundTrunks: z.number().int().min(0).describe('Outbound trunks in routing.'),
        sipDomains: z.number().int().min(0).describe('SIP domains in routing.'),
      })
      .optional()
      .describe('How many objects of each kind the current routing generation holds.'),
    sipService: z.string().max(253).optional().describe('Name of the Service that carriers and customers send SIP to.'),
    eventWebhookSigningSecret: z.string().max(253).optional().describe('Name of the Secret whose signingSecret key signs the requests to spec.eventWebhook.url, for the receiver to verify them with.'),
    addresses: z
      .array(z.object({
        type: z.enum(['IPAddress', 'Hostname']).describe('IPAddress or Hostname.'),
        value: z.string().max(253).describe('The address.'),
      }))
      .max(16)
      .optional()
      .describe('Where to send SIP (port spec.sipWorkers.ports.sip, UDP and TCP), as the SIP Service has them: its load balancer\'s addresses and externalIPs, or for type ClusterIP its cluster IP. Absent while a LoadBalancer has none yet, and for NodePort (any node\'s address then).'),
  })
  .describe('Observed state of the Carrier.');

export const Carrier = defineKind({
  kind: 'Carrier',
  plural: 'carriers',
  shortNames: ['car'],
  description: 'A Carrier is a tenant that offers routes to and from the PSTN: it owns a SIP worker pool, media relays and optional mobile push, and every Account, trunk, number and SIP domain belongs to one.',
  spec: carrierSpec,
  status: carrierStatus,
  printerColumns: [
    { name: 'Display Name', type: 'string', jsonPath: '.spec.displayName' },
    { name: 'Country', type: 'string', jsonPath: '.spec.country' },
    { name: 'Workers', type: 'integer', jsonPath: '.status.workers.ready', description: 'Ready SIP worker pods.' },
    { name: 'Programmed', type: 'string', jsonPath: '.status.conditions[?(@.type=="Programmed")].status', description: 'Whether every ready worker serves the current routing generation.' },
    { name: 'Address', type: 'string', jsonPath: '.status.addresses[*].value', description: 'Where carriers and customers send SIP (kubectl shows the first address).' },
    { name: 'Numbers', type: 'integer', jsonPath: '.status.counts.phoneNumbers', priority: 1 },
    { name: 'Generation', type: 'string', jsonPath: '.status.routingGeneration', priority: 1 },
    { name: 'Push', type: 'string', jsonPath: '.status.conditions[?(@.type=="PushCredentialsValid")].status', description: 'Whether APNs and FCM accept the push credentials (empty without push).', priority: 1 },
    { name: 'TLS', type: 'string', jsonPath: '.status.conditions[?(@.type=="SipTlsCertificateValid")].status', description: 'Whether the SIP TLS certificate Secret is usable and unexpired (empty without TLS).', priority: 1 },
    { name: 'Events', type: 'string', jsonPath: '.status.conditions[?(@.type=="EventWebhookDelivering")].status', description: 'Whether the workers deliver call events to spec.eventWebhook (empty without it).', priority: 1 },
    ...trailingColumns,
  ],
});
