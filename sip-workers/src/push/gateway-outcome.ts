// What one request to APNs or FCM came to, in the terms the push service acts on: the raw
// reasons (Apple's `reason`, FCM's `errorCode`) stay attached for logs and metrics.

export type Provider = 'apns' | 'fcm';

export type GatewayOutcome =
  | { kind: 'sent'; id: string }
  /** Worth another try after a pause: 429, 5xx, a broken connection, a timeout. */
  | { kind: 'retry'; reason: string; retryAfterMs?: number; detail?: string }
  /** The device token is dead (410 Unregistered, BadDeviceToken, FCM UNREGISTERED): drop the binding. */
  | { kind: 'unregistered'; reason: string }
  /** The gateway refused this push for a reason retrying will not change. */
  | { kind: 'rejected'; reason: string }
  /** Our key or account was refused: every push will fail until the Carrier's Secret is fixed. */
  | { kind: 'bad-credentials'; reason: string; message: string };

/** The outcome the caller of the push service sees once retries are over. */
export type PushOutcome =
  | Exclude<GatewayOutcome, { kind: 'retry' }>
  | { kind: 'unavailable'; reason: string; detail?: string };

/** One request to a gateway. */
export interface GatewayAttempt {
  outcome: GatewayOutcome;
  /** The HTTP status, undefined when none came (connection failure, timeout). */
  status: number | undefined;
}
