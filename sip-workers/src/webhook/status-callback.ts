// The status callback posted when a call ends. Fire and forget: the call is over whatever the
// customer's server says, so the returned promise only reports the outcome for the log and
// never rejects. The answer's body is drained, not read, so the connection can be reused.
import type { Webhook } from '../../../api/routing/schema.ts';
import type { WebhookParams } from './twilio-signature.ts';
import { DEFAULT_SIGNATURE_HEADER } from './webhook-client.ts';
import { sendWebhook } from './webhook-request.ts';
import type { WebhookFailure } from './webhook-request.ts';

export interface StatusCallbackRequest {
  readonly target: Webhook;
  readonly params: WebhookParams;
  readonly authToken: string;
  readonly signatureHeader?: string;
  readonly timeoutMs: number;
}

export type StatusCallbackResult =
  | { readonly ok: true; readonly url: string; readonly status: number }
  | { readonly ok: false; readonly url: string; readonly failure: WebhookFailure };

// Bodies beyond this are cut off (closing the connection) rather than drained.
const MAX_DRAINED_BYTES = 64 * 1024;

export async function postStatusCallback(request: StatusCallbackRequest): Promise<StatusCallbackResult> {
  const url = request.target.url;
  try {
    const exchange = await sendWebhook({
      target: request.target,
      params: request.params,
      authToken: request.authToken,
      signatureHeader: request.signatureHeader ?? DEFAULT_SIGNATURE_HEADER,
      timeoutMs: request.timeoutMs,
      maxBodyBytes: MAX_DRAINED_BYTES,
      accept: '*/*',
      body: 'discard',
    });
    return exchange.ok ? { ok: true, url, status: exchange.status } : { ok: false, url, failure: exchange.failure };
  } catch (error) {
    // sendWebhook reports failures as values; this only guards the promise contract against a bug.
    return { ok: false, url, failure: { kind: 'network', detail: `status callback to ${url} failed: ${String(error)}` } };
  }
}
