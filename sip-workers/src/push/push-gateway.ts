// A provider as the dispatcher sees it: turn one request into a repeatable attempt (same ids and
// expiry on every retry), or refuse it without calling out.
import type { GatewayAttempt, GatewayOutcome } from './gateway-outcome.ts';
import type { PushRequest } from './push-request.ts';

export interface PreparedPush {
  attempt(): Promise<GatewayAttempt>;
}

export interface PushGateway {
  prepare(request: PushRequest, ttlSeconds: number): PreparedPush | { refused: GatewayOutcome };
  close(): Promise<void>;
}
