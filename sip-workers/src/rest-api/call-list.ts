// Twilio's "list calls" (GET …/Calls.json): the query a request makes (To, From, Status,
// StartTime and EndTime, ParentCallSid, and Page/PageSize), which calls match it, and the page as Twilio answers it, with the URIs a helper
// library follows to the next one. Pure: where the calls come from is call-lookup.ts's business.
import type { CallRecord } from '../calls/call-ledger.ts';
import type { CallStatus } from '../webhook/call-parameters.ts';
import { API_VERSION, CALL_STATUSES } from '../webhook/call-parameters.ts';
import { callResource, startTimeOf } from './call-resource.ts';
import { inRange, timeFilterNames, timeRange } from './call-time-filter.ts';
import type { TimeRange } from './call-time-filter.ts';
import { twilioError } from './twilio-error.ts';
import type { TwilioError } from './twilio-error.ts';

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

export interface CallListQuery {
  readonly to?: string;
  readonly from?: string;
  readonly status?: CallStatus;
  readonly started?: TimeRange;
  readonly ended?: TimeRange;
  /** The calls a <Dial> of this call made. */
  readonly parentCallSid?: string;
  /** The time filters as the request gave them, for the pages' URIs. */
  readonly timeParams?: ReadonlyArray<readonly [string, string]>;
  readonly pageSize: number;
  readonly page: number;
}

function wholeNumber(params: URLSearchParams, name: string, fallback: number, max: number): number | TwilioError {
  const text = params.get(name);
  if (text === null) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > max) return twilioError(400, 20001, `${name} must be a whole number from 0 to ${max}, not ${JSON.stringify(text)}`);
  return value;
}

export function callListQuery(params: URLSearchParams): CallListQuery | TwilioError {
  const status = params.get('Status');
  if (status !== null && !CALL_STATUSES.includes(status as CallStatus)) return twilioError(400, 20001, `Status must be one of ${CALL_STATUSES.join(', ')}, not ${JSON.stringify(status)}`);
  const pageSize = wholeNumber(params, 'PageSize', DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  if (typeof pageSize !== 'number') return pageSize;
  if (pageSize === 0) return twilioError(400, 20001, 'PageSize must be at least 1');
  // A page beyond what any retention holds is empty anyway; the bound keeps the arithmetic small.
  const page = wholeNumber(params, 'Page', 0, 100_000);
  if (typeof page !== 'number') return page;
  const started = timeRange(params, 'StartTime');
  if (started !== undefined && 'code' in started) return started;
  const ended = timeRange(params, 'EndTime');
  if (ended !== undefined && 'code' in ended) return ended;
  const timeParams = [...timeFilterNames('StartTime'), ...timeFilterNames('EndTime')].flatMap((name) => {
    const value = params.get(name);
    return value === null ? [] : [[name, value] as const];
  });
  const to = params.get('To');
  const from = params.get('From');
  const parentCallSid = params.get('ParentCallSid');
  return {
    ...(to === null ? {} : { to }),
    ...(from === null ? {} : { from }),
    ...(status === null ? {} : { status: status as CallStatus }),
    ...(started === undefined ? {} : { started }),
    ...(ended === undefined ? {} : { ended }),
    ...(parentCallSid === null ? {} : { parentCallSid }),
    ...(timeParams.length === 0 ? {} : { timeParams }),
    pageSize,
    page,
  };
}

export const matchesQuery = (call: CallRecord, query: CallListQuery): boolean =>
  (query.to === undefined || call.to === query.to) && (query.from === undefined || call.from === query.from) && (query.status === undefined || call.status === query.status) &&
  (query.parentCallSid === undefined || call.parentCallSid === query.parentCallSid) && inRange(startTimeOf(call), query.started) && inRange(call.endedAt, query.ended);

/** How many matching calls, newest first, a page needs to be answered: its own and one more, to know whether a next page exists. */
export const callsWanted = (query: CallListQuery): number => (query.page + 1) * query.pageSize + 1;

function pageUri(accountSid: string, query: CallListQuery, page: number): string {
  const params = new URLSearchParams();
  if (query.to !== undefined) params.set('To', query.to);
  if (query.from !== undefined) params.set('From', query.from);
  if (query.status !== undefined) params.set('Status', query.status);
  if (query.parentCallSid !== undefined) params.set('ParentCallSid', query.parentCallSid);
  for (const [name, value] of query.timeParams ?? []) params.set(name, value);
  params.set('PageSize', String(query.pageSize));
  params.set('Page', String(page));
  return `/${API_VERSION}/Accounts/${accountSid}/Calls.json?${params.toString()}`;
}

/** The page `query` asks for, from the matching calls newest first (at least callsWanted of them when there are). */
export function callListPage(accountSid: string, query: CallListQuery, matching: readonly CallRecord[]): Record<string, unknown> {
  const start = query.page * query.pageSize;
  const calls = matching.slice(start, start + query.pageSize);
  return {
    calls: calls.map(callResource),
    start,
    end: calls.length === 0 ? start : start + calls.length - 1,
    page: query.page,
    page_size: query.pageSize,
    uri: pageUri(accountSid, query, query.page),
    first_page_uri: pageUri(accountSid, query, 0),
    next_page_uri: matching.length > start + query.pageSize ? pageUri(accountSid, query, query.page + 1) : null,
    previous_page_uri: query.page > 0 ? pageUri(accountSid, query, query.page - 1) : null,
  };
}
