// What the call router reads from a generation the operator compiled: numbers, trunks by source
// address and by prefix, domains and secrets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assembleGeneration } from '../../src/routing/generation-assembler.ts';
import type { RoutingTable } from '../../src/routing/routing-table.ts';
import { compile, inbound, manyNumbers, outbound, sipDomain, textsOf, voice, type TableParts } from './fixtures.ts';

function table(parts: TableParts): RoutingTable {
  const assembly = assembleGeneration(textsOf(compile(parts)));
  if (!assembly.ok) throw new Error(assembly.reason);
  return assembly.table;
}

const credential = (username: string, realm: string) => ({ username, realm, ha1: `ha1-${username}`, ha1b: `ha1b-${username}` });

test('numbers spread over several shards resolve to their routes; unknown numbers resolve to nothing', () => {
  const numbers = manyNumbers(9000);
  const compiled = compile({ numbers });
  assert.ok(compiled.shards.length > 1, `the operator wrote ${compiled.shards.length} shards`);
  const assembly = assembleGeneration(textsOf(compiled));
  assert.ok(assembly.ok, assembly.ok ? '' : assembly.reason);
  const routing = assembly.table;
  assert.equal(routing.numberCount, 9000);
  for (const [number, route] of Object.entries(numbers)) assert.deepEqual(routing.number(number), route, number);
  assert.equal(routing.number('+8551009000'), undefined);
  assert.equal(routing.number('8551000001'), undefined, 'the same digits without "+" are another number');
  assert.equal(routing.number(''), undefined);
  assert.equal(routing.generation, compiled.generation);
});

test('short codes, leading zeros and odd keys are distinct numbers', () => {
  const routing = table({
    numbers: {
      '911': { type: 'shortCode', enabled: true, account: 'kampot' },
      '0911': { type: 'shortCode', enabled: false },
      '+911': { type: 'local', enabled: true, fallback: { url: 'https://f.example/', method: 'GET' } },
      'sip-only-alias': { type: 'local', enabled: true, statusCallback: voice('https://s.example/') },
    },
  });
  assert.deepEqual(routing.number('911'), { type: 'shortCode', enabled: true, account: 'kampot' });
  assert.deepEqual(routing.number('0911'), { type: 'shortCode', enabled: false });
  assert.deepEqual(routing.number('+911'), { type: 'local', enabled: true, fallback: { url: 'https://f.example/', method: 'GET' } });
  assert.deepEqual(routing.number('sip-only-alias'), { type: 'local', enabled: true, statusCallback: voice('https://s.example/') });
  assert.equal(routing.number('11'), undefined);
});

test('a route handed out is the caller\'s own: changing it changes nothing in the table', () => {
  const routing = table({ numbers: manyNumbers(50) });
  const route = routing.number('+8551000000');
  assert.ok(route?.voice);
  route.enabled = false;
  route.voice.url = 'https://changed.example/';
  assert.deepEqual(routing.number('+8551000000'), manyNumbers(1)['+8551000000']);
  assert.deepEqual(routing.number('+8551000007'), manyNumbers(8)['+8551000007'], 'nor in another number with the same route');
});

test('the inbound trunk is the one with the longest prefix containing the source address, disabled trunks included', () => {
  const routing = table({
    inboundTrunks: [
      inbound('wide', ['203.0.113.0/24']),
      inbound('half', ['203.0.113.128/25', '198.51.100.7']),
      inbound('host', ['203.0.113.200/32'], false),
      inbound('v6-wide', ['2001:db8::/32']),
      inbound('v6-narrow', ['2001:db8:1::/48']),
    ],
  });
  const trunk = (address: string) => routing.inboundTrunkFor(address)?.name;
  assert.equal(trunk('203.0.113.1'), 'wide');
  assert.equal(trunk('203.0.113.127'), 'wide');
  assert.equal(trunk('203.0.113.128'), 'half');
  assert.equal(trunk('203.0.113.200'), 'host');
  assert.equal(trunk('203.0.113.201'), 'half');
  assert.equal(trunk('198.51.100.7'), 'half', 'a bare address is a host prefix');
  assert.equal(trunk('198.51.100.8'), undefined);
  assert.equal(trunk('203.0.114.1'), undefined);
  assert.equal(trunk('2001:db8:2::1'), 'v6-wide');
  assert.equal(trunk('2001:db8:1:ffff::1'), 'v6-narrow');
  assert.equal(trunk('2001:DB8:1::1'), 'v6-narrow', 'hex digits in any case');
  assert.equal(trunk('fe80::1%eth0'), undefined);
  assert.equal(trunk('2001:db9::1'), undefined);
});

test('IPv4-mapped IPv6 sources match IPv4 prefixes, in dotted and in hex form', () => {
  const routing = table({ inboundTrunks: [inbound('carrier', ['203.0.113.0/24']), inbound('v6', ['::/0'])] });
  assert.equal(routing.inboundTrunkFor('::ffff:203.0.113.9')?.name, 'carrier');
  assert.equal(routing.inboundTrunkFor('::FFFF:203.0.113.9')?.name, 'carrier');
  assert.equal(routing.inboundTrunkFor('::ffff:cb00:7109')?.name, 'carrier');
  assert.equal(routing.inboundTrunkFor('::ffff:198.51.100.1')?.name, undefined, 'a mapped address is IPv4, not under ::/0');
  assert.equal(routing.inboundTrunkFor('2001:db8::1')?.name, 'v6');
});

test('a /0 trunk catches every IPv4 source no longer prefix claims; non-addresses match nothing', () => {
  const routing = table({ inboundTrunks: [inbound('any', ['0.0.0.0/0']), inbound('one', ['192.0.2.1'])] });
  assert.equal(routing.inboundTrunkFor('192.0.2.1')?.name, 'one');
  assert.equal(routing.inboundTrunkFor('255.255.255.255')?.name, 'any');
  assert.equal(routing.inboundTrunkFor('0.0.0.0')?.name, 'any');
  for (const junk of ['', 'example.com', '192.0.2', '192.0.2.1.5', '192.0.2.256', '01.2.3.4', '::ffff:1.2.3', '2001:db8::1']) {
    assert.equal(routing.inboundTrunkFor(junk)?.name, undefined, junk);
  }
});

test('outbound candidates are the enabled trunks of the longest matching prefix, with prefix-less trunks as the default route', () => {
  const routing = table({
    outboundTrunks: [
      outbound('default', []),
      outbound('cambodia', ['855']),
      outbound('cambodia-backup', ['855', '1']),
      outbound('metfone', ['85597', '85571']),
      outbound('disabled-longer', ['855971'], false),
      outbound('disabled-default', [], false),
    ],
  });
  const names = (digits: string) => routing.outboundTrunkCandidates(digits).map((trunk) => trunk.name).sort();
  assert.deepEqual(names('85597123456'), ['metfone'], 'a disabled trunk with a longer prefix does not shadow it');
  assert.deepEqual(names('85571000'), ['metfone']);
  assert.deepEqual(names('85512345678'), ['cambodia', 'cambodia-backup']);
  assert.deepEqual(names('+85512345678'), ['cambodia', 'cambodia-backup'], 'a leading "+" is ignored');
  assert.deepEqual(names('14155550100'), ['cambodia-backup']);
  assert.deepEqual(names('4420'), ['default']);
  assert.deepEqual(names(''), ['default']);
  assert.deepEqual(names('855'), ['cambodia', 'cambodia-backup'], 'a number equal to a prefix matches it');
});

test('without a default route, numbers outside every prefix have no candidates', () => {
  const routing = table({ outboundTrunks: [outbound('cambodia', ['855'])] });
  assert.deepEqual(routing.outboundTrunkCandidates('4420'), []);
  assert.deepEqual(routing.outboundTrunkCandidates('85'), []);
});

test('SIP domains and their credentials are found case-insensitively; accounts, tokens and trunks by name', () => {
  const routing = table({
    sipDomains: [sipDomain('office', 'office.kampot.sip.example.com')],
    outboundTrunks: [outbound('cambodia', ['855'])],
    accounts: { kampot: { sid: 'AC01', enabled: true }, takeo: { sid: 'AC02', enabled: false } },
    secrets: {
      authTokens: { AC01: 'token-1' },
      outboundTrunks: { cambodia: credential('switchyard', 'carrier.example') },
      sipDomains: { 'office.kampot.sip.example.com': { alice: credential('alice', 'office.kampot.sip.example.com') } },
    },
  });
  assert.equal(routing.sipDomain('Office.Kampot.SIP.example.com')?.name, 'office');
  assert.equal(routing.sipDomain('office.kampot.sip.example.com.')?.name, 'office', 'a trailing dot names the same domain');
  assert.equal(routing.sipDomain('other.example.com'), undefined);
  assert.equal(routing.sipDomainCredential('OFFICE.kampot.sip.example.com', 'alice')?.ha1, 'ha1-alice');
  assert.equal(routing.sipDomainCredential('office.kampot.sip.example.com', 'Alice'), undefined, 'usernames are case-sensitive');
  assert.deepEqual(routing.account('takeo'), { sid: 'AC02', enabled: false });
  assert.equal(routing.account('nobody'), undefined);
  assert.equal(routing.authToken('AC01'), 'token-1');
  assert.equal(routing.authToken('AC02'), undefined);
  assert.equal(routing.outboundTrunk('cambodia')?.host, 'cambodia.example.net');
  assert.equal(routing.outboundTrunkCredential('cambodia')?.username, 'switchyard');
  assert.equal(routing.carrier.callingCode, '855');
});
