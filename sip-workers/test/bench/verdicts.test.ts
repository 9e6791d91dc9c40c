import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SearchResult, Step } from '../../bench/rate-search.ts';
import { verdicts } from '../../bench/verdicts.ts';

const step = (rate: number, achievedRate = rate): Step => ({
  rate, calls: rate * 5, successful: rate * 5, failed: 0, retransmissions: 0, unfinished: 0, achievedRate, elapsedMs: 5000,
  rtt: new Map([[1, [1, 1]], [2, [2, 2]]]), exitCode: 0, errors: '', loadCpuShare: 0.2, foreignCpuShare: 0, udpDrops: 0,
});
const search = (system: string, steps: Step[]): SearchResult => ({ system, steps, best: steps.at(-1)?.rate ?? 0, capped: true });

test('the rate verdict says when the step it stands on was not driven at its rate: no call failed, but the system fell behind', () => {
  const kamailio = search('kamailio', [step(1000), step(2000), step(4000, 3979)]);
  const direct = search('direct', [step(1000), step(2000)]);
  const kept = verdicts(kamailio, search('worker', [step(1000), step(2000, 1990)]), search('digest', [step(1000)]), direct)[0];
  assert.equal(kept?.met, true);
  assert.doesNotMatch(kept?.detail ?? '', /fell behind/, 'within 3% of the asked rate is keeping pace');
  const behind = verdicts(kamailio, search('worker', [step(1000), step(2000, 1875)]), search('digest', [step(1000)]), direct)[0];
  assert.equal(behind?.met, true, 'the verdict stays the issue\'s rule: the highest rate with no failed call');
  assert.match(behind?.detail ?? '', /at 2000 CPS SIPp achieved only 1875\/s: it fell behind/);
});
