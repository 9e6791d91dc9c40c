// Which UDP flows a replica answers STUN keep-alives on: those registered through it, for as long as granted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UdpFlows } from '../../src/registrar/udp-flows.ts';

test('a UDP flow is held for as long as granted, extended by a later REGISTER, never shortened; TCP flows and removals are not noted', () => {
  const flows = new UdpFlows();
  const flow = { transport: 'udp' as const, address: '203.0.113.7', port: 41_000 };
  flows.registered(flow, 60_000, 0);
  assert.equal(flows.holds('203.0.113.7', 41_000, 59_999), true);
  assert.equal(flows.holds('203.0.113.7', 41_000, 60_000), false);
  assert.equal(flows.holds('203.0.113.7', 41_001, 1), false, 'another port is another flow (a NAT\'s new mapping)');
  flows.registered(flow, 600_000, 30_000);
  flows.registered(flow, 10_000, 31_000);
  assert.equal(flows.holds('203.0.113.7', 41_000, 629_999), true);
  flows.registered({ ...flow, transport: 'tcp' }, 600_000, 0);
  flows.registered({ ...flow, port: 5 }, 0, 0);
  assert.equal(flows.size, 1);
});

test('expired flows are swept as new ones come, so the table holds about the live ones', () => {
  const flows = new UdpFlows();
  for (let port = 1; port <= 2000; port++) flows.registered({ transport: 'udp', address: '198.51.100.1', port }, 1000, port < 1000 ? 0 : 10_000);
  assert.ok(flows.size <= 1100, `${flows.size} flows kept`);
  assert.equal(flows.holds('198.51.100.1', 1999, 10_500), true);
});
