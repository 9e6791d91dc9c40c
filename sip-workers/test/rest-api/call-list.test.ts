import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CallRecord } from '../../src/calls/call-ledger.ts';
import { callListPage, callListQuery, callsWanted, matchesQuery } from '../../src/rest-api/call-list.ts';
import type { CallListQuery } from '../../src/rest-api/call-list.ts';

const account = `AC${'a'.repeat(32)}`;
const call = (n: number, overrides: Partial<CallRecord> = {}): CallRecord => ({
  sid: `CA${String(n).padStart(32, '0')}`, accountSid: account, from: '+85523900100', to: `+8559700${String(n).padStart(4, '0')}`,
  direction: 'outbound-api', status: 'completed', createdAt: 1_700_000_000_000 + n, updatedAt: 1_700_000_000_000 + n, ...overrides,
});
const query = (text: string): CallListQuery => {
  const parsed = callListQuery(new URLSearchParams(text));
  if ('code' in parsed) throw new Error(parsed.message);
  return parsed;
};

describe('listing calls', () => {
  test('the query takes To, From, Status, PageSize (50 by default, at most 1000) and Page, and refuses what it cannot read with 20001', () => {
    assert.deepEqual(callListQuery(new URLSearchParams('')), { pageSize: 50, page: 0 });
    assert.deepEqual(query('To=%2B85597000001&From=%2B85523900100&Status=in-progress&PageSize=2&Page=3'), { to: '+85597000001', from: '+85523900100', status: 'in-progress', pageSize: 2, page: 3 });
    for (const bad of ['Status=answered', 'PageSize=0', 'PageSize=1001', 'PageSize=ten', 'Page=-1', 'Page=1.5']) {
      const refused = callListQuery(new URLSearchParams(bad));
      assert.ok('code' in refused && refused.code === 20001 && refused.status === 400, bad);
    }
  });

  test('a call matches when every filter given is its own', () => {
    const ringing = call(1, { status: 'ringing' });
    assert.equal(matchesQuery(ringing, query('Status=ringing')), true);
    assert.equal(matchesQuery(ringing, query('Status=completed')), false);
    assert.equal(matchesQuery(ringing, query(`To=${encodeURIComponent(ringing.to)}&From=${encodeURIComponent(ringing.from)}`)), true);
    assert.equal(matchesQuery(ringing, query('From=%2B10000000000')), false);
  });

  test('pages as Twilio gives them: start, end, and the URIs of the first, previous and next pages with the filters kept', () => {
    const matching = [5, 4, 3, 2, 1].map((n) => call(n));
    const second = query('Status=completed&PageSize=2&Page=1');
    assert.equal(callsWanted(second), 5, 'two pages of two, and one more to know a third exists');
    const page = callListPage(account, second, matching);
    assert.deepEqual((page.calls as Array<{ sid: string }>).map((c) => c.sid), [call(3).sid, call(2).sid]);
    assert.equal(page.start, 2);
    assert.equal(page.end, 3);
    assert.equal(page.page_size, 2);
    assert.equal(page.uri, `/2010-04-01/Accounts/${account}/Calls.json?Status=completed&PageSize=2&Page=1`);
    assert.equal(page.first_page_uri, `/2010-04-01/Accounts/${account}/Calls.json?Status=completed&PageSize=2&Page=0`);
    assert.equal(page.previous_page_uri, page.first_page_uri);
    assert.equal(page.next_page_uri, `/2010-04-01/Accounts/${account}/Calls.json?Status=completed&PageSize=2&Page=2`);
    const last = callListPage(account, query('Status=completed&PageSize=2&Page=2'), matching);
    assert.equal((last.calls as unknown[]).length, 1);
    assert.equal(last.next_page_uri, null, 'nothing after the last page');
    assert.equal(callListPage(account, query(''), []).previous_page_uri, null);
  });

  test('StartTime and EndTime take a UTC date, or an inequality with a date (from its midnight) or a time with its offset; unreadable ones are refused with 20001', () => {
    const day = Date.UTC(2026, 11, 8);
    assert.deepEqual(query('StartTime=2026-12-08').started, { from: day, until: day + 86_400_000 - 1 });
    assert.deepEqual(query('StartTime>=2026-12-08&StartTime<=2026-12-10').started, { from: day, until: day + 2 * 86_400_000 });
    assert.deepEqual(query('StartTime=2026-12-08&StartTime>=2026-12-08T09:30:00Z').started, { from: day + 9.5 * 3_600_000, until: day + 86_400_000 - 1 }, 'both narrow');
    assert.deepEqual(query('EndTime<=2026-12-08T09:30:00%2B07:00').ended, { until: day + 2.5 * 3_600_000 });
    assert.deepEqual(query('StartTime=2026-12-08T23:59:59Z').started, { from: day, until: day + 86_400_000 - 1 }, 'a time for StartTime= stands for its day');
    for (const bad of ['StartTime=yesterday', 'StartTime=2026-02-31', 'EndTime<=2026-12-08T09:30:00', 'StartTime>=12/08/2026']) {
      const refused = callListQuery(new URLSearchParams(bad));
      assert.ok('code' in refused && refused.code === 20001 && refused.status === 400, bad);
    }
  });

  test('a call matches a time filter by its start (none while queued) and its end (none while it lasts), and a ParentCallSid by its parent', () => {
    const startedAt = Date.UTC(2026, 11, 8, 10);
    const ended = call(1, { createdAt: startedAt, endedAt: startedAt + 60_000 });
    assert.equal(matchesQuery(ended, query('StartTime=2026-12-08')), true);
    assert.equal(matchesQuery(ended, query('StartTime=2026-12-07')), false);
    assert.equal(matchesQuery(ended, query('StartTime>=2026-12-08T10:00:00Z&StartTime<=2026-12-08T10:00:00Z')), true, 'both ends included');
    assert.equal(matchesQuery(ended, query('StartTime>=2026-12-08T10:00:01Z')), false);
    assert.equal(matchesQuery(ended, query('EndTime<=2026-12-08T10:01:00Z')), true);
    assert.equal(matchesQuery(ended, query('EndTime<=2026-12-08T10:00:59Z')), false);
    assert.equal(matchesQuery(call(2, { createdAt: startedAt, status: 'in-progress' }), query('EndTime>=2026-12-01')), false, 'a live call has not ended');
    assert.equal(matchesQuery(call(3, { createdAt: startedAt, status: 'queued' }), query('StartTime=2026-12-08')), false, 'a queued call has not started');
    assert.equal(matchesQuery(ended, query(`ParentCallSid=${ended.sid}`)), false, 'a call with no parent');
    const child = call(4, { direction: 'outbound-dial', parentCallSid: ended.sid });
    assert.equal(matchesQuery(child, query(`ParentCallSid=${ended.sid}`)), true, 'the call a <Dial> of its parent made');
    assert.equal(matchesQuery(child, query(`ParentCallSid=${call(5).sid}`)), false);
  });

  test('the pages\' URIs keep the time filters as given', () => {
    const page = callListPage(account, query('StartTime>=2026-12-08&EndTime=2026-12-09&PageSize=1'), [call(2), call(1)]);
    assert.equal(page.next_page_uri, `/2010-04-01/Accounts/${account}/Calls.json?StartTime%3E=2026-12-08&EndTime=2026-12-09&PageSize=1&Page=1`);
    assert.deepEqual(query(String(page.next_page_uri).split('?')[1] ?? '').started, query('StartTime>=2026-12-08').started, 'and read back the same');
  });
});
