// The SIP worker's settings, parsed once from the environment the operator's Deployment sets
// (operator/src/compile/workloads/sip-workers.ts); nothing else reads process.env.
import { z } from 'zod';
import type { MediaAnchoringSettings } from '../media/media-anchoring.ts';
import { parseRelayTarget } from '../media/relay-pool.ts';
import type { PushOptions, RegistrarOptions } from './start-worker.ts';
import type { TlsFiles } from './tls-credentials.ts';

const flag = z.enum(['true', 'false']).transform((value) => value === 'true');

export const workerConfig = z
  .object({
    SWITCHYARD_CARRIER: z.string().min(1).describe('The Carrier this worker serves.'),
    SWITCHYARD_NAMESPACE: z.string().default('default'),
    SWITCHYARD_POD_NAME: z.string().optional().describe('Names the worker\'s Lease; without it the worker does not report (standalone).'),
    SWITCHYARD_POD_UID: z.string().optional(),
    SWITCHYARD_POD_IP: z.string().optional(),
    SWITCHYARD_SIP_HOST: z.string().default('0.0.0.0').describe('Address the SIP transport binds.'),
    SWITCHYARD_SIP_ADVERTISED_HOST: z.string().optional().describe('Host put in Via and Contact; defaults to the pod IP, else the bind address.'),
    SWITCHYARD_SIP_PORT: z.coerce.number().int().min(0).max(65535).default(5060),
    SWITCHYARD_SIP_TLS_PORT: z.coerce.number().int().min(0).max(65535).default(5061).describe('Port of SIP over TLS, used when SWITCHYARD_TLS_CERT_FILE is set.'),
    SWITCHYARD_TLS_CERT_FILE: z.string().min(1).optional().describe('PEM certificate chain for SIP over TLS (tls.crt of a kubernetes.io/tls Secret); unset: no TLS. Re-read every minute, so a renewed certificate is served without a restart.'),
    SWITCHYARD_TLS_KEY_FILE: z.string().min(1).optional().describe('PEM private key for SIP over TLS (tls.key).'),
    SWITCHYARD_TLS_CA_FILE: z.string().min(1).optional().describe('PEM CAs that trunks\' and SIP URIs\' TLS certificates are checked against; unset: the system\'s.'),
    SWITCHYARD_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    SWITCHYARD_API_HOST: z.string().default('0.0.0.0').describe('Address the REST API (Twilio\'s Calls.json for the carrier\'s accounts) binds.'),
    SWITCHYARD_API_PORT: z.coerce.number().int().min(0).max(65535).default(8081).describe('Port of the REST API; 0: no REST API.'),
    SWITCHYARD_API_CALLS_PER_SECOND: z.coerce.number().positive().default(1).describe('Calls each account may place through the REST API per second on this worker (a burst of twice as many at once); beyond it, 429 with Retry-After.'),
    SWITCHYARD_API_CALL_RETENTION_SECONDS: z.coerce.number().positive().default(3600).describe('How long the REST API can still fetch a call after it ended (GET …/Calls/{Sid}.json).'),
    SWITCHYARD_CALL_ORPHAN_SECONDS: z.coerce.number().int().min(20).default(60).describe('With SWITCHYARD_REDIS_URL: how long a replica may go without a heartbeat in Redis before another ends its live calls for good and posts their completed status callbacks (they read ended after 15 s already). Shorter posts them sooner after a crash; a replica cut off from Redis longer than this has its calls\' callbacks posted twice.'),
    SWITCHYARD_API_CALL_RETENTION_MAX: z.coerce.number().int().positive().default(20_000).describe('Ended calls this worker keeps in memory for the REST API at most (~0.5 KB each, so ~10 MB); the oldest go first. With SWITCHYARD_REDIS_URL an ended call is read from Redis for the whole retention time whatever this is.'),
    SWITCHYARD_HTTP_HOST: z.string().default('0.0.0.0'),
    SWITCHYARD_ROUTING_DIR: z.string().optional().describe('Standalone mode: read routing state from this directory instead of the Kubernetes API.'),
    SWITCHYARD_KUBECONFIG: z.string().optional().describe('Kubeconfig for running outside a pod; in a pod the service account is used.'),
    SWITCHYARD_WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().positive().default(5),
    SWITCHYARD_WEBHOOK_SIGNATURE_HEADER: z.string().default('X-Twilio-Signature'),
    SWITCHYARD_DIGEST_KEY: z.string().optional().describe('Key that signs digest nonces; replicas sharing it accept each other\'s nonces.'),
    SWITCHYARD_FLOW_TOKEN_KEY: z.string().min(16).optional().describe('Key, shared by every replica of the carrier, that signs RFC 5626 flow tokens: a call on one replica to a phone whose TCP or TLS connection another holds, or whose UDP REGISTER from behind NAT another received, is relayed through that one. Unset: TCP and TLS phones are rung only from the replica holding the connection, UDP phones from any. The operator sets it from the carrier\'s worker key Secret.'),
    SWITCHYARD_DNS_SERVERS: z
      .string()
      .optional()
      .transform((value) => (value ?? '').split(',').map((server) => server.trim()).filter((server) => server !== ''))
      .describe('Comma-separated DNS servers (host or host:port) that locate trunks\' and SIP URIs\' hosts (RFC 3263: NAPTR, SRV, A, AAAA); unset: /etc/resolv.conf\'s for NAPTR and SRV, the OS (getaddrinfo: /etc/hosts, then DNS) for addresses.'),
    SWITCHYARD_DNS_CACHE_SECONDS: z.coerce.number().min(0).default(30).describe('How long an answer to a question locating a trunk or SIP URI (NAPTR, SRV, addresses; "no such record" too) is reused before DNS is asked again; while DNS then fails, the last answer keeps serving for up to an hour. 0: ask DNS for every call.'),
    SWITCHYARD_TRUNK_PROGRESS_TIMEOUT_MS: z.coerce.number().int().positive().default(4000).describe('A trunk silent this long is skipped for the next one.'),
    SWITCHYARD_UDP_BUFFER_BYTES: z.coerce.number().int().positive().default(4 * 1024 * 1024),
    SWITCHYARD_OVERLOAD_BACKLOG_SHARE: z.coerce.number().min(0).max(1).default(0.5).describe('Share of the SIP socket\'s receive buffer waiting unread (Linux\'s rx_queue) above which a growing share of new calls gets 503 with Retry-After: 1 and OPTIONS says 503, until the backlog is gone; 0 never refuses.'),
    SWITCHYARD_MEDIA_RELAY: z
      .string()
      .optional()
      .refine((value) => value === undefined || value === '' || parseRelayTarget(value) !== undefined, 'expected host:port of rtpengine\'s ng control port')
      .describe('rtpengine\'s ng control address (a headless Service name resolving to every relay, or one address); unset: media is not anchored.'),
    SWITCHYARD_MEDIA_SYMMETRIC_LATCHING: flag.default(true).describe('Let the relay learn each endpoint\'s media address from its packets (endpoints behind NAT).'),
    SWITCHYARD_MEDIA_RELAY_TIMEOUT_MS: z.coerce.number().int().positive().default(2000).describe('An ng command unanswered this long (retransmitted meanwhile) fails: the call gets 503.'),
    SWITCHYARD_REDIS_URL: z
      .string()
      .optional()
      .refine((value) => value === undefined || value === '' || /^rediss?:\/\/[^\s]+$/.test(value), 'expected redis://[[user]:password@]host[:port][/db] or rediss://')
      .describe('The Redis holding registrar bindings, shared by every replica of the carrier\'s workers; unset: REGISTER gets 405 and <Dial><Client> finds no one.'),
    SWITCHYARD_REGISTRAR_MIN_EXPIRES_SECONDS: z.coerce.number().int().min(1).default(60).describe('A REGISTER asking for less (other than 0) gets 423 with Min-Expires.'),
    SWITCHYARD_REGISTRAR_MAX_EXPIRES_SECONDS: z.coerce.number().int().min(1).default(3600).describe('Longer registrations are cut to this.'),
    SWITCHYARD_REGISTRAR_NATTED_UDP_EXPIRES_SECONDS: z.coerce.number().int().min(1).default(60).describe('The most a UDP phone behind NAT gets, so its re-REGISTERs keep the NAT pinhole open.'),
    SWITCHYARD_REGISTRAR_MAX_BINDINGS: z.coerce.number().int().min(1).default(10).describe('Contacts one SIP domain user may have registered at once.'),
    SWITCHYARD_PUSH_SERVICE: z
      .string()
      .optional()
      .refine((value) => value === undefined || value === '' || /^https?:\/\/[^\s]+$/.test(value), 'expected the push service\'s http:// or https:// base URL')
      .describe('The Carrier\'s push service; unset: phones that registered a push token are rung through their last flow, never pushed.'),
    SWITCHYARD_PUSH_REGISTRATION_TIMEOUT_SECONDS: z.coerce.number().positive().default(30).describe('How long a call to a pushed phone waits for its REGISTER before the caller gets 480.'),
    SWITCHYARD_MAX_CALL_SECONDS: z.coerce.number().positive().default(14_400).describe('An answered call is hung up (BYE to both sides) after this long, as Twilio\'s <Dial timeLimit> defaults to 4 hours; it also ends calls whose BYE was lost, which would otherwise stay up forever.'),
    SWITCHYARD_DIALOG_KEEPALIVE_SECONDS: z.coerce.number().min(0).default(300).describe('Every answered call sends an OPTIONS inside each party\'s dialog this often; a 481, a 408 or no answer within 32 s ends the call at once (BYE to both), so a party that crashed or lost its BYE is not billed until the call time limit. 0 turns it off.'),
    SWITCHYARD_DRAIN_SECONDS: z.coerce.number().min(0).default(50).describe('After SIGTERM, how long calls in progress may continue before they are hung up; below the pod\'s termination grace period.'),
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info'),
  });

export type WorkerConfig = z.output<typeof workerConfig>;

export function loadWorkerConfig(env: NodeJS.ProcessEnv): WorkerConfig {
  const parsed = workerConfig.safeParse(env);
  if (!parsed.success) throw new Error(`invalid SIP worker configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** The registrar as the worker runs it, or undefined without Redis (REGISTER is then not allowed). */
export function registrarOptions(config: WorkerConfig): RegistrarOptions | undefined {
  if (!config.SWITCHYARD_REDIS_URL) return undefined;
  return {
    redisUrl: config.SWITCHYARD_REDIS_URL,
    carrier: config.SWITCHYARD_CARRIER,
    settings: {
      expiry: {
        defaultSeconds: config.SWITCHYARD_REGISTRAR_MAX_EXPIRES_SECONDS,
        minSeconds: config.SWITCHYARD_REGISTRAR_MIN_EXPIRES_SECONDS,
        maxSeconds: config.SWITCHYARD_REGISTRAR_MAX_EXPIRES_SECONDS,
        nattedUdpSeconds: config.SWITCHYARD_REGISTRAR_NATTED_UDP_EXPIRES_SECONDS,
      },
      maxBindingsPerUser: config.SWITCHYARD_REGISTRAR_MAX_BINDINGS,
    },
  };
}

/** Waking phones by push as the worker runs it, or undefined without a push service. */
export function pushOptions(config: WorkerConfig): PushOptions | undefined {
  if (!config.SWITCHYARD_PUSH_SERVICE) return undefined;
  return {
    serviceUrl: config.SWITCHYARD_PUSH_SERVICE,
    carrier: config.SWITCHYARD_CARRIER,
    registrationTimeoutMs: config.SWITCHYARD_PUSH_REGISTRATION_TIMEOUT_SECONDS * 1000,
  };
}

/** Media anchoring as the worker runs it, or undefined when no relay is configured (descriptions pass end to end). */
export function mediaAnchoringSettings(config: WorkerConfig): MediaAnchoringSettings | undefined {
  const relay = config.SWITCHYARD_MEDIA_RELAY ? parseRelayTarget(config.SWITCHYARD_MEDIA_RELAY) : undefined;
  if (!relay) return undefined;
  return { relay, symmetricLatching: config.SWITCHYARD_MEDIA_SYMMETRIC_LATCHING, timeoutMs: config.SWITCHYARD_MEDIA_RELAY_TIMEOUT_MS };
}

/** SIP over TLS as configured, or undefined without a certificate; a certificate without its key (or the reverse) is a configuration error. */
export function tlsFiles(config: WorkerConfig): TlsFiles | undefined {
  const { SWITCHYARD_TLS_CERT_FILE: certFile, SWITCHYARD_TLS_KEY_FILE: keyFile, SWITCHYARD_TLS_CA_FILE: caFile } = config;
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) throw new Error('invalid SIP worker configuration: SWITCHYARD_TLS_CERT_FILE and SWITCHYARD_TLS_KEY_FILE are set together or not at all');
  return { port: config.SWITCHYARD_SIP_TLS_PORT, certFile, keyFile, ...(caFile === undefined ? {} : { caFile }) };
}
