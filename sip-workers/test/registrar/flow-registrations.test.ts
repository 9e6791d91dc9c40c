// Which AORs a closed flow takes with it, in the orders a connection and its REGISTER can end in.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import type { Flow } from '../../src/registrar/binding.ts';
import { FlowRegistrations } from '../../src/registrar/flow-registrations.ts';

const tls: Flow = { transport: 'tls', address: '198.51.100.7', port: 40001, edge: '127.0.0.1:5061' };
const alice = { domain: 'kampot.example', user: 'alice' };
const bob = { domain: 'kampot.example', user: 'bob' };

function tracked() {
  const removals: string[] = [];
  let finish: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (finish = resolve));
  const flows = new FlowRegistrations({
    remove: async (aor, flow) => {
      removals.push(`${aor.user} ${flow.transport}:${flow.port}`);
      await gate;
      return 1;
    },
    onRemoved: () => undefined,
    log: pino({ level: 'silent' }),
  });
  return { flows, removals, finish };
}

test('a closed flow removes each AOR registered over it once; another flow and UDP are not touched', () => {
  const { flows, removals } = tracked();
  flows.registered(alice, tls, () => true);
  flows.registered(alice, tls, () => true);
  flows.registered(bob, tls, () => true);
  flows.registered(bob, { ...tls, port: 40002 }, () => true);
  flows.registered(bob, { ...tls, transport: 'udp' }, () => true);
  flows.closed(tls);
  flows.closed(tls);
  assert.deepEqual(removals.sort(), ['alice tls:40001', 'bob tls:40001']);
  assert.equal(flows.size, 1, 'only the other TLS flow is still tracked');
});

test('a connection that closed while its REGISTER was being stored is acted on when the REGISTER completes', () => {
  const { flows, removals } = tracked();
  flows.closed(tls);
  flows.registered(alice, tls, () => false);
  assert.deepEqual(removals, ['alice tls:40001']);
  assert.equal(flows.size, 0);
});

test('settled() waits for the removals in flight', async () => {
  const { flows, finish } = tracked();
  flows.registered(alice, tls, () => true);
  flows.closed(tls);
  let settled = false;
  const waiting = flows.settled().then(() => (settled = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(settled, false);
  finish();
  await waiting;
  assert.equal(settled, true);
});
