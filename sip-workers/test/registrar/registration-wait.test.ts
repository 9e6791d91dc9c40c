// The wait for a pushed phone's REGISTER, against a store whose bindings the test changes: a new
// or re-registered binding ends it, an untouched one does not, and time and CANCEL end it too.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CurrentBinding } from '../../src/registrar/binding.ts';
import { registrationMark, waitForRegistration } from '../../src/registrar/registration-wait.ts';

const binding = (id: string, callId: string, cseq: number): CurrentBinding => ({
  id, contact: `<${id}>`, uri: id, callId, cseq, natted: false, expiresIn: 60,
  flow: { transport: 'udp', address: '127.0.0.1', port: 5070, edge: '127.0.0.1:5060' },
  push: { provider: 'apns', prid: 'aa' },
});

const asleep = binding('sip:agent-102@127.0.0.1:5070', 'first', 1);
const known = new Set([registrationMark(asleep)]);
const ids = (fresh: CurrentBinding[]) => (fresh.length > 0 ? fresh.map((b) => b.id) : undefined);

test('a REGISTER refreshing the pushed binding (new CSeq) ends the wait with it; the old one alone does not', async () => {
  let stored = [asleep];
  setTimeout(() => (stored = [binding(asleep.id, 'first', 2)]), 120);
  const started = Date.now();
  const result = await waitForRegistration(() => Promise.resolve(stored), ids, { known, timeoutMs: 2000, signal: new AbortController().signal, intervalMs: 20 });
  assert.deepEqual(result, { kind: 'registered', found: [asleep.id] });
  assert.ok(Date.now() - started >= 100);
});

test('a new binding counts, and a store that fails for a while is asked again', async () => {
  let calls = 0;
  const lookup = () => (++calls < 3 ? Promise.reject(new Error('redis down')) : Promise.resolve([asleep, binding('sip:agent-102@127.0.0.1:5080', 'second', 1)]));
  assert.deepEqual(await waitForRegistration(lookup, ids, { known, timeoutMs: 2000, signal: new AbortController().signal, intervalMs: 10 }), { kind: 'registered', found: ['sip:agent-102@127.0.0.1:5080'] });
});

test('nothing new: timeout after about the time given; an abort ends the wait at once', async () => {
  const started = Date.now();
  assert.deepEqual(await waitForRegistration(() => Promise.resolve([asleep]), ids, { known, timeoutMs: 150, signal: new AbortController().signal, intervalMs: 20 }), { kind: 'timeout' });
  const took = Date.now() - started;
  assert.ok(took >= 140 && took < 1000, `took ${took} ms`);
  const cancel = new AbortController();
  setTimeout(() => cancel.abort(), 50);
  const before = Date.now();
  assert.deepEqual(await waitForRegistration(() => Promise.resolve([asleep]), ids, { known, timeoutMs: 5000, signal: cancel.signal, intervalMs: 1000 }), { kind: 'cancelled' });
  assert.ok(Date.now() - before < 500);
});
