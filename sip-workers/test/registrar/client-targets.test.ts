// Which users a <Client> identity means for an account, and in what order and over which flow
// their registered phones are rung.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { FlowTokens } from '../../src/flow-relay/flow-token.ts';
import type { CurrentBinding } from '../../src/registrar/binding.ts';
import { clientAddresses, clientTargets } from '../../src/registrar/client-targets.ts';
import { kampot, other, registrarRouting, strict } from '../support/registrar-routing.ts';
import { viewOf } from '../support/routing-view-of.ts';

const edge = '10.0.0.10:5060';
const binding = (uri: string, extra: Partial<CurrentBinding> = {}): CurrentBinding => ({
  id: uri, contact: `<${uri}>`, uri, callId: 'c', cseq: 1, natted: true, expiresIn: 100,
  flow: { transport: 'udp', address: '203.0.113.7', port: 41_000, edge },
  ...extra,
});
const aor = { domain: kampot, user: 'agent-101' };

test('a bare identity is the user in the call\'s own domain first, then in the account\'s other enabled domains that have it', async () => {
  const view = await viewOf(registrarRouting());
  assert.deepEqual(clientAddresses('agent-101', 'pepper', view, strict).map((a) => a.domain), [strict, kampot]);
  assert.deepEqual(clientAddresses('agent-101', 'pepper', view).map((a) => a.domain).sort(), [kampot, strict], 'closed is disabled');
  assert.deepEqual(clientAddresses('agent-102', 'pepper', view), [{ domain: kampot, user: 'agent-102' }], 'strict has no agent-102');
  assert.deepEqual(clientAddresses('agent-102', 'salt', view), [{ domain: other, user: 'agent-102' }]);
  assert.deepEqual(clientAddresses('nobody', 'pepper', view), []);
});

test('user@domain names that domain, and only when it is the account\'s own', async () => {
  const view = await viewOf(registrarRouting());
  assert.deepEqual(clientAddresses(`agent-101@${kampot.toUpperCase()}`, 'pepper', view), [{ domain: kampot, user: 'agent-101' }]);
  assert.deepEqual(clientAddresses(`agent-102@${other}`, 'pepper', view), [], 'another account\'s domain');
  assert.deepEqual(clientAddresses('agent-101@unknown.sip.test', 'pepper', view), []);
});

test('phones are rung highest q first (no q counts as 1), then the one with most time left', () => {
  const targets = clientTargets([
    binding('sip:low@10.1.1.1', { q: 0.1 }),
    binding('sip:older@10.1.1.2', { expiresIn: 20 }),
    binding('sip:newer@10.1.1.3', { expiresIn: 90 }),
    binding('sip:half@10.1.1.4', { q: 0.5 }),
  ], aor, edge);
  assert.deepEqual(targets.map((t) => t.requestUri.user), ['newer', 'older', 'half', 'low']);
  assert.equal(targets[0]?.aor.user, 'agent-101');
  assert.equal(targets[0]?.aor.host, kampot);
});

test('a phone is reached through its flow: any UDP flow, and a TCP flow from the worker holding the connection; elsewhere its Contact, only where the REGISTER came from', () => {
  const elsewhere = '10.0.0.11:5060';
  const targets = clientTargets([
    binding('sip:udp@192.168.1.5:5060', { expiresIn: 300 }),
    binding('sip:here@192.168.1.6:5070;transport=tcp', { expiresIn: 200, flow: { transport: 'tcp', address: '203.0.113.8', port: 50_001, edge } }),
    binding('sip:pbx@203.0.113.9:5070;transport=tcp', { expiresIn: 100, flow: { transport: 'tcp', address: '203.0.113.9', port: 50_002, edge: elsewhere } }),
    binding('sip:natted@192.168.1.7:5070;transport=tls', { expiresIn: 90, flow: { transport: 'tls', address: '203.0.113.10', port: 50_003, edge: elsewhere } }),
    binding('sip:v6@[2001:db8::9]:5070;transport=tcp', { expiresIn: 80, flow: { transport: 'tcp', address: '2001:db8::9', port: 50_004, edge: elsewhere } }),
    binding('sip:named@pbx.example.net;transport=tcp', { expiresIn: 70, flow: { transport: 'tcp', address: '203.0.113.11', port: 50_005, edge: elsewhere } }),
  ], aor, edge);
  const [udp, tcpHere, pbx, v6, named] = targets;
  assert.deepEqual(udp?.destination, { address: '203.0.113.7', port: 41_000, transport: 'udp' }, 'the NAT pinhole, not 192.168.1.5');
  assert.deepEqual(tcpHere?.destination, { address: '203.0.113.8', port: 50_001, transport: 'tcp', flowOnly: true }, 'the connection the phone opened, never a new one');
  assert.deepEqual(pbx?.destination, { address: '203.0.113.9', port: 5070, transport: 'tcp' }, 'a PBX listening where it registered from is rung there');
  assert.deepEqual(v6?.destination, { address: '2001:db8::9', port: 5070, transport: 'tcp' }, 'an IPv6 Contact without its brackets, as sockets want it');
  assert.deepEqual(named?.destination, { address: 'pbx.example.net', port: 5060, transport: 'tcp' }, 'a host name cannot be compared with the flow: it is tried');
  assert.equal(targets.length, 5, 'the NAT\'d TLS phone whose connection is on another replica is not rung at its private Contact');
  // The whole dialog follows: ACK and BYE take the flow, not the private Contact of the phone's 2xx.
  assert.deepEqual(targets.map((target) => target.reachedBy), ['flow', 'flow', 'target', 'target', 'target']);
});

test('a binding whose Contact no longer parses is skipped, not rung', () => {
  assert.deepEqual(clientTargets([binding('not a uri'), binding('tel:+85512345678')], aor, edge), []);
});

test('with the replicas\' shared key, a flow another replica holds is rung through it: a TLS connection, and a UDP phone behind NAT; a UDP phone that is not is rung from here', () => {
  const tokens = new FlowTokens(randomBytes(32));
  const elsewhere = '10.0.0.11:5060';
  const [tls, natted, direct] = clientTargets([
    binding('sip:tls@192.168.1.7:5070;transport=tls', { expiresIn: 300, flow: { transport: 'tls', address: '203.0.113.10', port: 50_003, edge: elsewhere } }),
    binding('sip:natted@192.168.1.5:5060', { expiresIn: 200, flow: { transport: 'udp', address: '203.0.113.7', port: 41_000, edge: elsewhere } }),
    binding('sip:pbx@203.0.113.9:5060', { expiresIn: 100, natted: false, flow: { transport: 'udp', address: '203.0.113.9', port: 5060, edge: elsewhere } }),
  ], aor, edge, tokens);
  for (const [target, flow] of [[tls, { transport: 'tls', address: '203.0.113.10', port: 50_003 }], [natted, { transport: 'udp', address: '203.0.113.7', port: 41_000 }]] as const) {
    assert.deepEqual(target?.destination, { address: '10.0.0.11', port: 5060, transport: 'udp' }, 'the replica holding the flow');
    const token = /^<sip:([^@]+)@10\.0\.0\.11:5060;lr>$/.exec(target?.route ?? '')?.[1] ?? '';
    assert.deepEqual(tokens.read(token), { flow, peer: edge }, 'the token names the flow, and this replica for what comes back');
    assert.equal(target?.reachedBy, 'target');
  }
  assert.deepEqual(direct?.destination, { address: '203.0.113.9', port: 5060, transport: 'udp' });
  assert.equal(direct?.route, undefined);
  const [here] = clientTargets([binding('sip:natted@192.168.1.5:5060')], aor, edge, tokens);
  assert.equal(here?.route, undefined, 'a flow this replica holds is used directly');
});
