// What the inbound router decides for a new INVITE: reject it with a SIP status a carrier's
// engineer can read, challenge the caller for digest credentials, or hand it to a webhook.
import type { InboundTrunkRoute, SipDomainRoute, Webhook } from '../../../../api/routing/schema.ts';

export interface Rejection {
  kind: 'reject';
  status: number;
  /** The reason phrase sent on the wire. */
  reason: string;
  /** A longer explanation for logs. */
  detail: string;
}

export interface Challenge {
  kind: 'challenge';
  realm: string;
  /** The previous nonce was valid but expired: the client may retry without asking its user. */
  stale: boolean;
}

export type CallOrigin =
  | { kind: 'trunk'; trunk: InboundTrunkRoute }
  | { kind: 'domain'; domain: SipDomainRoute; username?: string }
  /** Placed through the REST API (Twilio's outbound-api): no inbound router decided it. */
  | { kind: 'api' };

export interface WebhookCall {
  kind: 'webhook';
  origin: CallOrigin;
  account: { name: string; sid: string; authToken: string };
  voice: Webhook;
  fallback?: Webhook;
  statusCallback?: Webhook;
  /** The called party as the webhook sees it: E.164, a short code, or the SIP URI for domain calls. */
  to: string;
  from: string;
  /** Pass the caller's X- headers to the webhook as SipHeader_X-… */
  forwardCustomHeaders: boolean;
}

export type InboundDecision = Rejection | Challenge | WebhookCall;

export const reject = (status: number, reason: string, detail: string): Rejection => ({ kind: 'reject', status, reason, detail });
