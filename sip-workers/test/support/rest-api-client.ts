// The worker's REST API started in-process for a test, and requests made as a Twilio helper
// library makes them: form parameters, Basic auth with the Account SID and auth token.
import pino from 'pino';
import type { CallLookup } from '../../src/rest-api/call-lookup.ts';
import { AccountRateLimit } from '../../src/rest-api/account-rate-limit.ts';
import { RestApi, startRestApi } from '../../src/rest-api/rest-api-server.ts';
import type { RestApiDeps } from '../../src/rest-api/rest-api-server.ts';
import { API_VERSION } from '../../src/webhook/call-parameters.ts';
import type { TestWorker } from './worker-harness.ts';

/** What a test worker keeps calls in for the REST API: start it with `callLedger` (TEST_CALL_LEDGER). */
export function workerCalls(worker: TestWorker): CallLookup {
  const calls = worker.running.calls;
  if (calls === undefined) throw new Error('the test worker keeps no call ledger: start it with callLedger');
  return calls;
}

/** A call ledger for test workers: ended calls fetchable for a minute. */
export const TEST_CALL_LEDGER = { retentionMs: 60_000, maxEnded: 1000 } as const;

export interface ApiCredentials {
  sid: string;
  token: string;
}

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

export interface TestRestApi {
  base: string;
  close(): void;
}

/** On a free loopback port; a rate limit no test meets unless it passes its own, and accepting calls. */
export async function startTestRestApi(deps: Omit<RestApiDeps, 'rateLimit' | 'accepting' | 'log'> & Partial<Pick<RestApiDeps, 'rateLimit' | 'accepting'>>): Promise<TestRestApi> {
  const log = pino({ level: process.env.SWITCHYARD_TEST_LOG_LEVEL ?? 'silent' });
  const rest = new RestApi({ rateLimit: new AccountRateLimit(1000), accepting: () => true, log, ...deps });
  const started = await startRestApi('127.0.0.1', 0, rest, log);
  return { base: `http://127.0.0.1:${started.port}`, close: () => started.server.close() };
}

/** `path` below the account: `/Calls.json`, `/Calls/CA….json`. `pathSid`: the account the path names, if not the credentials'. */
export async function apiRequest(base: string, method: 'GET' | 'POST', path: string, credentials: ApiCredentials, params?: Record<string, string>, pathSid = credentials.sid): Promise<ApiAnswer> {
  const response = await fetch(`${base}/${API_VERSION}/Accounts/${pathSid}${path}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${credentials.sid}:${credentials.token}`).toString('base64')}`,
      ...(params === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
    },
    ...(params === undefined ? {} : { body: new URLSearchParams(params).toString() }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}
