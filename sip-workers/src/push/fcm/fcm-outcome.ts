// FCM HTTP v1 answers as push outcomes. The precise cause is the FcmError detail's errorCode,
// else the google.rpc status; unknown values are reported by HTTP status so metric labels stay bounded.
import type { GatewayOutcome } from '../gateway-outcome.ts';
import { jsonObject, retryAfterMs, type HttpsResponse } from './https-post.ts';

const errorCodes = new Set(['UNSPECIFIED_ERROR', 'INVALID_ARGUMENT', 'UNREGISTERED', 'SENDER_ID_MISMATCH', 'QUOTA_EXCEEDED', 'UNAVAILABLE', 'INTERNAL', 'THIRD_PARTY_AUTH_ERROR']);
const rpcStatuses = new Set(['INVALID_ARGUMENT', 'UNAUTHENTICATED', 'PERMISSION_DENIED', 'NOT_FOUND', 'RESOURCE_EXHAUSTED', 'UNAVAILABLE', 'INTERNAL']);

interface FcmErrorBody {
  status?: unknown;
  message?: unknown;
  details?: Array<{ '@type'?: unknown; errorCode?: unknown }>;
}

function reasonOf(response: HttpsResponse): { reason: string; message: string } {
  const error = (jsonObject(response.body).error ?? {}) as FcmErrorBody;
  const code = Array.isArray(error.details) ? error.details.map((detail) => detail.errorCode).find((value) => typeof value === 'string' && errorCodes.has(value)) : undefined;
  const status = typeof error.status === 'string' && rpcStatuses.has(error.status) ? error.status : undefined;
  return { reason: (code as string | undefined) ?? status ?? `HTTP ${response.status}`, message: typeof error.message === 'string' ? error.message : '' };
}

export function fcmOutcome(response: HttpsResponse): GatewayOutcome {
  if (response.status === 200) {
    const name = jsonObject(response.body).name;
    return { kind: 'sent', id: typeof name === 'string' ? name : '' };
  }
  const { reason, message } = reasonOf(response);
  if (reason === 'UNREGISTERED') return { kind: 'unregistered', reason };
  if (reason === 'THIRD_PARTY_AUTH_ERROR' || response.status === 401 || (response.status === 403 && reason !== 'SENDER_ID_MISMATCH')) {
    return { kind: 'bad-credentials', reason, message: `FCM refused the service account (HTTP ${response.status} ${reason}${message ? `: ${message}` : ''})` };
  }
  if (response.status === 429 || response.status >= 500) {
    const after = retryAfterMs(response.headers);
    return { kind: 'retry', reason, ...(after === undefined ? {} : { retryAfterMs: after }) };
  }
  return { kind: 'rejected', reason };
}
