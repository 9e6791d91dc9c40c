// RFC 3263 §4's choices, over a table of DNS records (the DNS questions themselves go to a real
// server in calls/dns-located-calls.test.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { locateServer, orderSrv } from '../../src/sip/server-locator.ts';
import type { NaptrRecord, SipDns, SrvRecord } from '../../src/sip/sip-dns.ts';

interface Zone {
  naptr?: Record<string, NaptrRecord[]>;
  srv?: Record<string, SrvRecord[]>;
  addresses?: Record<string, string[]>;
  failing?: string[];
}

/** Answers from `zone`, and notes every question asked. */
function zoneDns(zone: Zone): SipDns & { asked: string[] } {
  const asked: string[] = [];
  const answer = <T>(kind: string, table: Record<string, T[]> | undefined, name: string): Promise<T[]> => {
    asked.push(`${kind} ${name}`);
    if (zone.failing?.includes(name)) return Promise.reject(new Error(`queryNaptr ESERVFAIL ${name}`));
    return Promise.resolve(table?.[name] ?? []);
  };
  return {
    asked,
    naptr: (name) => answer('NAPTR', zone.naptr, name),
    srv: (name) => answer('SRV', zone.srv, name),
    addresses: (name) => answer('A', zone.addresses, name),
  };
}

const naptr = (order: number, preference: number, service: string, replacement: string): NaptrRecord => ({ flags: 's', service, regexp: '', replacement, order, preference });
const srv = (priority: number, weight: number, port: number, name: string): SrvRecord => ({ priority, weight, port, name });

describe('locating a SIP server (RFC 3263)', () => {
  test('an IP address is used as it is, at the transport\'s default port, with no DNS question', async () => {
    const dns = zoneDns({});
    assert.deepEqual(await locateServer({ host: '192.0.2.7', secure: false }, dns), { ok: true, destinations: [{ address: '192.0.2.7', port: 5060, transport: 'udp' }] });
    assert.deepEqual(await locateServer({ host: '2001:db8::7', secure: true }, dns), { ok: true, destinations: [{ address: '2001:db8::7', port: 5061, transport: 'tls' }] });
    assert.deepEqual(dns.asked, []);
  });

  test('a numeric port: the name\'s addresses at that port, every one of them, no NAPTR or SRV (§4.2)', async () => {
    const dns = zoneDns({ addresses: { 'trunk.example': ['192.0.2.1', '192.0.2.2'] }, srv: { '_sip._udp.trunk.example': [srv(1, 1, 5999, 'other.example')] } });
    const located = await locateServer({ host: 'trunk.example', port: 5080, secure: false }, dns);
    assert.deepEqual(located, { ok: true, destinations: [{ address: '192.0.2.1', port: 5080, transport: 'udp' }, { address: '192.0.2.2', port: 5080, transport: 'udp' }] });
    assert.deepEqual(dns.asked, ['A trunk.example']);
  });

  test('no port and no transport: the best NAPTR the client supports names the SRV records, and so the transport (§4.1)', async () => {
    const dns = zoneDns({
      naptr: { 'pbx.example': [naptr(50, 50, 'SIP+D2U', '_sip._udp.pbx.example'), naptr(10, 20, 'SIP+D2S', '_sip._sctp.pbx.example'), naptr(10, 10, 'SIP+D2T', '_sip._tcp.pbx.example')] },
      srv: { '_sip._tcp.pbx.example': [srv(10, 0, 5070, 'a.pbx.example')], '_sip._udp.pbx.example': [srv(10, 0, 5060, 'b.pbx.example')] },
      addresses: { 'a.pbx.example': ['192.0.2.10'], 'b.pbx.example': ['192.0.2.11'] },
    });
    assert.deepEqual(await locateServer({ host: 'pbx.example', secure: false }, dns), { ok: true, destinations: [{ address: '192.0.2.10', port: 5070, transport: 'tcp' }] });
    assert.deepEqual(dns.asked, ['NAPTR pbx.example', 'SRV _sip._tcp.pbx.example', 'A a.pbx.example']);
  });

  test('a NAPTR whose SRV name has no records gives way to the next one', async () => {
    const dns = zoneDns({
      naptr: { 'pbx.example': [naptr(10, 10, 'SIP+D2T', '_sip._tcp.pbx.example'), naptr(20, 10, 'SIP+D2U', '_sip._udp.pbx.example')] },
      srv: { '_sip._udp.pbx.example': [srv(10, 0, 5062, 'b.pbx.example')] },
      addresses: { 'b.pbx.example': ['192.0.2.11'] },
    });
    assert.deepEqual(await locateServer({ host: 'pbx.example', secure: false }, dns), { ok: true, destinations: [{ address: '192.0.2.11', port: 5062, transport: 'udp' }] });
  });

  test('no NAPTR: SRV for UDP, then TCP; the first transport with records is used', async () => {
    const dns = zoneDns({ srv: { '_sip._tcp.pbx.example': [srv(10, 0, 5070, 'a.pbx.example')] }, addresses: { 'a.pbx.example': ['192.0.2.10'] } });
    assert.deepEqual(await locateServer({ host: 'pbx.example', secure: false }, dns), { ok: true, destinations: [{ address: '192.0.2.10', port: 5070, transport: 'tcp' }] });
    assert.deepEqual(dns.asked, ['NAPTR pbx.example', 'SRV _sip._udp.pbx.example', 'SRV _sip._tcp.pbx.example', 'A a.pbx.example']);
  });

  test('no NAPTR and no SRV: the name\'s own addresses at 5060 over UDP', async () => {
    const dns = zoneDns({ addresses: { 'pbx.example': ['192.0.2.20', '2001:db8::20'] } });
    assert.deepEqual(await locateServer({ host: 'pbx.example', secure: false }, dns), {
      ok: true,
      destinations: [{ address: '192.0.2.20', port: 5060, transport: 'udp' }, { address: '2001:db8::20', port: 5060, transport: 'udp' }],
    });
  });

  test('a named transport skips NAPTR and asks SRV for that transport only', async () => {
    const dns = zoneDns({ srv: { '_sip._tcp.pbx.example': [srv(10, 0, 5070, 'a.pbx.example')] }, addresses: { 'a.pbx.example': ['192.0.2.10'], 'pbx.example': ['192.0.2.99'] } });
    assert.deepEqual(await locateServer({ host: 'pbx.example', transport: 'tcp', secure: false }, dns), { ok: true, destinations: [{ address: '192.0.2.10', port: 5070, transport: 'tcp' }] });
    assert.deepEqual(await locateServer({ host: 'pbx.example', transport: 'udp', secure: false }, dns), { ok: true, destinations: [{ address: '192.0.2.99', port: 5060, transport: 'udp' }] });
    assert.ok(!dns.asked.some((question) => question.startsWith('NAPTR')));
  });

  test('sips: only SIPS+D2T and _sips._tcp count, and the certificate must name the URI\'s domain, not the SRV target', async () => {
    const dns = zoneDns({
      naptr: { 'secure.example': [naptr(10, 10, 'SIP+D2U', '_sip._udp.secure.example')] },
      srv: { '_sip._udp.secure.example': [srv(10, 0, 5060, 'plain.secure.example')], '_sips._tcp.secure.example': [srv(10, 0, 5063, 'tls1.secure.example')] },
      addresses: { 'tls1.secure.example': ['192.0.2.30'] },
    });
    assert.deepEqual(await locateServer({ host: 'secure.example', secure: true }, dns), { ok: true, destinations: [{ address: '192.0.2.30', port: 5063, transport: 'tls', serverName: 'secure.example' }] });
    const fallback = zoneDns({ addresses: { 'secure.example': ['192.0.2.31'] } });
    assert.deepEqual(await locateServer({ host: 'secure.example', secure: true }, fallback), { ok: true, destinations: [{ address: '192.0.2.31', port: 5061, transport: 'tls', serverName: 'secure.example' }] });
  });

  test('SRV targets in priority order; one without addresses, or ".", is skipped', async () => {
    const dns = zoneDns({
      srv: { '_sip._udp.pbx.example': [srv(20, 0, 5062, 'backup.pbx.example'), srv(10, 0, 5060, 'gone.pbx.example'), srv(5, 0, 5060, '.'), srv(10, 0, 5061, 'main.pbx.example')] },
      addresses: { 'backup.pbx.example': ['192.0.2.2'], 'main.pbx.example': ['192.0.2.1'] },
    });
    const located = await locateServer({ host: 'pbx.example', transport: 'udp', secure: false }, dns, () => 0);
    assert.deepEqual(located, { ok: true, destinations: [{ address: '192.0.2.1', port: 5061, transport: 'udp' }, { address: '192.0.2.2', port: 5062, transport: 'udp' }] });
  });

  test('nothing to reach, or a DNS server failing: an error saying so, never a throw', async () => {
    assert.deepEqual(await locateServer({ host: 'nowhere.example', secure: false }, zoneDns({})), { ok: false, reason: 'no address for nowhere.example' });
    const failed = await locateServer({ host: 'broken.example', secure: false }, zoneDns({ failing: ['broken.example'] }));
    assert.equal(failed.ok, false);
    assert.match(failed.ok ? '' : failed.reason, /^DNS lookup for broken\.example failed: .*ESERVFAIL/);
  });
});

describe('ordering SRV records (RFC 2782)', () => {
  /** A fixed sequence of draws in [0, 1). */
  const draws = (...values: number[]) => () => values.shift() ?? 0;

  test('lower priority first, whatever the weights', () => {
    const ordered = orderSrv([srv(20, 100, 1, 'c'), srv(10, 0, 1, 'a'), srv(15, 5, 1, 'b')], draws(0.9, 0.9, 0.9));
    assert.deepEqual(ordered.map((record) => record.name), ['a', 'b', 'c']);
  });

  test('within a priority, the draw picks by running weight sum; a zero weight only on a zero draw', () => {
    const records = [srv(10, 30, 1, 'x'), srv(10, 0, 1, 'zero'), srv(10, 70, 1, 'y')];
    assert.deepEqual(orderSrv(records, draws(0.5, 0)).map((record) => record.name), ['y', 'zero', 'x']);
    assert.deepEqual(orderSrv(records, draws(0.1, 0.5)).map((record) => record.name), ['x', 'y', 'zero']);
    assert.deepEqual(orderSrv(records, draws(0, 0)).map((record) => record.name), ['zero', 'x', 'y']);
  });

  test('over many draws the first pick follows the weights', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const counts = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const first = orderSrv([srv(10, 1, 1, 'light'), srv(10, 3, 1, 'heavy')], random)[0]?.name ?? '';
      counts.set(first, (counts.get(first) ?? 0) + 1);
    }
    const heavy = (counts.get('heavy') ?? 0) / 4000;
    assert.ok(heavy > 0.7 && heavy < 0.8, `heavy first ${heavy}`);
  });
});
