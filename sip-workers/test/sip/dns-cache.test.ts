// The DNS answers RFC 3263's location keeps: fresh ones (no record too) spare the question, calls
// asking at once share one lookup, an expired answer serves while DNS fails (and DNS is not asked
// again until the recheck), and past the stale limit the failure shows. On a clock the test moves.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cachingSipDns } from '../../src/sip/dns-cache.ts';
import type { DnsAnswerSource, DnsCacheOptions } from '../../src/sip/dns-cache.ts';
import type { SipDns, SrvRecord } from '../../src/sip/sip-dns.ts';

/** A DNS whose answers the test sets, or fails; it notes every question. */
function scriptedDns() {
  const srv = new Map<string, SrvRecord[]>();
  const addresses = new Map<string, string[]>();
  const questions: string[] = [];
  let failing = false;
  let held: Array<() => void> | undefined;
  const answer = async <T>(question: string, value: T): Promise<T> => {
    questions.push(question);
    if (held) await new Promise<void>((resolve) => held?.push(resolve));
    if (failing) throw Object.assign(new Error('queryA ETIMEOUT'), { code: 'ETIMEOUT' });
    return value;
  };
  const dns: SipDns = {
    naptr: (name) => answer(`NAPTR ${name}`, []),
    srv: (name) => answer(`SRV ${name}`, srv.get(name) ?? []),
    addresses: (name) => answer(`A ${name}`, addresses.get(name) ?? []),
  };
  return {
    dns, srv, addresses, questions,
    fail: (value: boolean) => (failing = value),
    /** Answers wait until release(). */
    hold: () => (held = []),
    release: () => {
      const waiting = held ?? [];
      held = undefined;
      for (const resolve of waiting) resolve();
    },
  };
}

function cached(options: Partial<DnsCacheOptions> = {}) {
  const scripted = scriptedDns();
  const clock = { now: 1_000_000 };
  const sources: string[] = [];
  const dns = cachingSipDns(scripted.dns, { freshMs: 30_000, staleMs: 600_000, recheckMs: 30_000, now: () => clock.now, onAnswer: (type, source: DnsAnswerSource) => sources.push(`${type} ${source}`), ...options });
  return { ...scripted, cache: dns, clock, sources };
}

const server = (name: string, port: number): SrvRecord => ({ name, port, priority: 10, weight: 10 });

describe('the DNS cache', () => {
  test('an answer is used until it is freshMs old, then DNS is asked again and its new answer used', async () => {
    const { cache, srv, questions, clock, sources } = cached();
    srv.set('_sip._udp.trunk.test', [server('gw1.trunk.test', 5060)]);
    assert.deepEqual(await cache.srv('_sip._udp.trunk.test'), [server('gw1.trunk.test', 5060)]);
    srv.set('_sip._udp.trunk.test', [server('gw2.trunk.test', 5060)]);
    clock.now += 29_999;
    assert.deepEqual(await cache.srv('_SIP._udp.Trunk.test'), [server('gw1.trunk.test', 5060)], 'fresh, and names compare without case');
    clock.now += 1;
    assert.deepEqual(await cache.srv('_sip._udp.trunk.test'), [server('gw2.trunk.test', 5060)]);
    assert.deepEqual(questions, ['SRV _sip._udp.trunk.test', 'SRV _sip._udp.trunk.test']);
    assert.deepEqual(sources, ['srv looked-up', 'srv cached', 'srv looked-up']);
  });

  test('"no such record" is kept as well (RFC 2308), and each question type is kept apart', async () => {
    const { cache, addresses, questions } = cached();
    assert.deepEqual(await cache.srv('_sip._udp.pbx.test'), []);
    assert.deepEqual(await cache.srv('_sip._udp.pbx.test'), []);
    addresses.set('pbx.test', ['127.0.0.9']);
    assert.deepEqual(await cache.addresses('pbx.test'), ['127.0.0.9']);
    assert.deepEqual(questions, ['SRV _sip._udp.pbx.test', 'A pbx.test']);
  });

  test('calls asking the same question at once share one lookup, each getting its own copy', async () => {
    const { cache, srv, questions, hold, release } = cached();
    srv.set('_sip._udp.trunk.test', [server('gw1.trunk.test', 5060), server('gw2.trunk.test', 5060)]);
    hold();
    const asked = [cache.srv('_sip._udp.trunk.test'), cache.srv('_sip._udp.trunk.test'), cache.srv('_sip._udp.trunk.test')];
    release();
    const [first, second] = await Promise.all(asked);
    assert.deepEqual(questions, ['SRV _sip._udp.trunk.test']);
    assert.ok(first && second);
    first.reverse();
    assert.equal(second[0]?.name, 'gw1.trunk.test', 'one caller reordering its list leaves the others\' alone');
  });

  test('DNS failing: an expired answer serves, DNS is asked again only after the recheck, and past staleMs the failure shows', async () => {
    const { cache, addresses, questions, clock, fail, sources } = cached();
    addresses.set('gw.trunk.test', ['127.0.0.2']);
    await cache.addresses('gw.trunk.test');
    fail(true);
    clock.now += 30_000;
    assert.deepEqual(await cache.addresses('gw.trunk.test'), ['127.0.0.2'], 'the expired answer, DNS having failed');
    clock.now += 29_999;
    assert.deepEqual(await cache.addresses('gw.trunk.test'), ['127.0.0.2'], 'within the recheck: served without asking');
    assert.equal(questions.length, 2);
    clock.now += 1;
    assert.deepEqual(await cache.addresses('gw.trunk.test'), ['127.0.0.2'], 'recheck due: asked, failed, served stale');
    assert.equal(questions.length, 3);
    assert.deepEqual(sources, ['addresses looked-up', 'addresses stale', 'addresses stale', 'addresses stale']);
    clock.now = 1_000_000 + 30_000 + 600_000;
    await assert.rejects(cache.addresses('gw.trunk.test'), /ETIMEOUT/, 'older than freshMs + staleMs: the failure shows');
    fail(false);
    addresses.set('gw.trunk.test', ['127.0.0.3']);
    assert.deepEqual(await cache.addresses('gw.trunk.test'), ['127.0.0.3'], 'DNS back: its answer');
  });

  test('a failure with nothing kept shows at once and is not kept: the next call asks again', async () => {
    const { cache, questions, fail, sources } = cached();
    fail(true);
    await assert.rejects(cache.naptr('pbx.test'), /ETIMEOUT/);
    await assert.rejects(cache.naptr('pbx.test'), /ETIMEOUT/);
    assert.deepEqual(questions, ['NAPTR pbx.test', 'NAPTR pbx.test']);
    assert.deepEqual(sources, ['naptr failed', 'naptr failed']);
  });

  test('at most maxEntries questions are kept: the one looked up longest ago goes first', async () => {
    const { cache, questions } = cached({ maxEntries: 2 });
    await cache.addresses('a.test');
    await cache.addresses('b.test');
    await cache.addresses('c.test');
    await cache.addresses('c.test');
    await cache.addresses('b.test');
    await cache.addresses('a.test');
    assert.deepEqual(questions, ['A a.test', 'A b.test', 'A c.test', 'A a.test']);
  });
});
