// The push service's settings, parsed once from the environment the operator's Deployment sets
// (operator/src/compile/workloads/push-service.ts); nothing else reads process.env. The gateway
// URLs and the extra CA exist for tests and egress proxies; in a cluster they stay unset.
import { z } from 'zod';

const httpsURL = z.url({ protocol: /^https$/, message: 'expected an https:// URL' });

export const pushConfig = z
  .object({
    SWITCHYARD_CARRIER: z.string().min(1).describe('The Carrier this push service serves.'),
    SWITCHYARD_NAMESPACE: z.string().default('default'),
    SWITCHYARD_POD_NAME: z.string().optional().describe('Names the pod\'s Lease, through which the operator learns whether the gateways take the credentials; without it the service does not report.'),
    SWITCHYARD_POD_UID: z.string().optional(),
    SWITCHYARD_KUBECONFIG: z.string().optional().describe('Outside a pod: the kubeconfig the Lease is written with (in a pod, the ServiceAccount\'s token is used).'),
    SWITCHYARD_HTTP_HOST: z.string().default('0.0.0.0'),
    SWITCHYARD_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    SWITCHYARD_APNS_TEAM_ID: z.string().regex(/^[A-Z0-9]{10}$/).optional(),
    SWITCHYARD_APNS_KEY_ID: z.string().regex(/^[A-Z0-9]{10}$/).optional(),
    SWITCHYARD_APNS_TOPIC: z.string().min(1).optional().describe('The app\'s VoIP topic, bundle ID + .voip.'),
    SWITCHYARD_APNS_ENVIRONMENT: z.enum(['production', 'development']).default('production'),
    SWITCHYARD_APNS_PRIVATE_KEY_FILE: z.string().min(1).optional().describe('The .p8 key (PKCS#8 PEM) mounted from the Carrier\'s Secret.'),
    SWITCHYARD_APNS_CERTIFICATE_FILE: z.string().min(1).optional().describe('Instead of a .p8 key: the APNs certificate (PEM) mounted from the Carrier\'s kubernetes.io/tls Secret.'),
    SWITCHYARD_APNS_CERTIFICATE_KEY_FILE: z.string().min(1).optional().describe('The APNs certificate\'s private key (PEM).'),
    SWITCHYARD_APNS_URL: httpsURL.optional().describe('Replaces api.push.apple.com / api.sandbox.push.apple.com.'),
    SWITCHYARD_APNS_TOKEN_REFRESH_MINUTES: z.coerce.number().int().min(20).max(50).default(40).describe('Age at which the provider token is re-signed: Apple refuses one older than 60 minutes and throttles re-signing more often than every 20.'),
    SWITCHYARD_FCM_PROJECT_ID: z.string().min(1).optional(),
    SWITCHYARD_FCM_SERVICE_ACCOUNT_FILE: z.string().min(1).optional().describe('The service-account key JSON mounted from the Carrier\'s Secret.'),
    SWITCHYARD_FCM_URL: httpsURL.optional().describe('Replaces https://fcm.googleapis.com (the OAuth endpoint is the key file\'s token_uri).'),
    SWITCHYARD_PUSH_CA_FILE: z.string().min(1).optional().describe('PEM certificates trusted for the gateways besides the public roots.'),
    SWITCHYARD_PUSH_TTL_SECONDS: z.coerce.number().int().min(1).max(300).default(30).describe('How long a gateway may hold an undelivered push when the worker does not say.'),
    SWITCHYARD_PUSH_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
    SWITCHYARD_PUSH_RETRY_BASE_MS: z.coerce.number().int().min(1).default(250),
    SWITCHYARD_PUSH_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
    SWITCHYARD_PUSH_DEDUP_SECONDS: z.coerce.number().int().positive().default(600).describe('How long a call\'s push is remembered, so a worker\'s retry gets its answer instead of a second push.'),
    SWITCHYARD_DRAIN_SECONDS: z.coerce.number().min(0).default(10).describe('After SIGTERM, how long pushes in flight may take to finish.'),
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info'),
  })
  .superRefine((config, context) => {
    const apnsApp = [config.SWITCHYARD_APNS_TEAM_ID, config.SWITCHYARD_APNS_TOPIC];
    const apnsToken = [config.SWITCHYARD_APNS_KEY_ID, config.SWITCHYARD_APNS_PRIVATE_KEY_FILE];
    const apnsCertificate = [config.SWITCHYARD_APNS_CERTIFICATE_FILE, config.SWITCHYARD_APNS_CERTIFICATE_KEY_FILE];
    const fcm = [config.SWITCHYARD_FCM_PROJECT_ID, config.SWITCHYARD_FCM_SERVICE_ACCOUNT_FILE];
    const some = (values: Array<string | undefined>) => values.some((value) => value !== undefined);
    const partly = (values: Array<string | undefined>) => some(values) && values.some((value) => value === undefined);
    if (partly(apnsToken)) context.addIssue({ code: 'custom', message: 'an APNs provider key needs SWITCHYARD_APNS_KEY_ID and _PRIVATE_KEY_FILE together' });
    if (partly(apnsCertificate)) context.addIssue({ code: 'custom', message: 'an APNs certificate needs SWITCHYARD_APNS_CERTIFICATE_FILE and _CERTIFICATE_KEY_FILE together' });
    if (some(apnsToken) && some(apnsCertificate)) context.addIssue({ code: 'custom', message: 'APNs takes a provider key (SWITCHYARD_APNS_KEY_ID, _PRIVATE_KEY_FILE) or a certificate (SWITCHYARD_APNS_CERTIFICATE_FILE, _CERTIFICATE_KEY_FILE), not both' });
    const apnsCredentials = some(apnsToken) || some(apnsCertificate);
    if ((some(apnsApp) || apnsCredentials) && (apnsApp.some((value) => value === undefined) || !apnsCredentials)) {
      context.addIssue({ code: 'custom', message: 'APNs needs SWITCHYARD_APNS_TEAM_ID, _TOPIC and a provider key or certificate together' });
    }
    if (partly(fcm)) context.addIssue({ code: 'custom', message: 'FCM needs SWITCHYARD_FCM_PROJECT_ID and _SERVICE_ACCOUNT_FILE together' });
    if (!some(apnsApp) && !apnsCredentials && !some(fcm)) context.addIssue({ code: 'custom', message: 'neither APNs nor FCM is configured' });
  });

export type PushConfig = z.output<typeof pushConfig>;

export function loadPushConfig(env: NodeJS.ProcessEnv): PushConfig {
  const parsed = pushConfig.safeParse(env);
  if (!parsed.success) throw new Error(`invalid push service configuration: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(settings)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
