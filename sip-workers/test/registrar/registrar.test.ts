// The registrar's decisions, one REGISTER at a time, over a real Redis and routing compiled by the
// operator: RFC 3261 §10.3's steps in order (domain, Require, digest, AOR, Contacts, expiry), the
// CSeq rule, removal, NAT and push parameters, and a store that is down.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { Registry } from 'prom-client';
import { authorizationFor } from '../../src/auth/digest-client.ts';
import { DigestAuthenticator } from '../../src/auth/digest-authenticator.ts';
import { defaultExpirySettings } from '../../src/registrar/expiry-policy.ts';
import { RedisBindingStore } from '../../src/registrar/redis-binding-store.ts';
import { Registrar } from '../../src/registrar/registrar.ts';
import type { RegistrarAnswer } from '../../src/registrar/registrar-answer.ts';
import { registrarMetrics } from '../../src/registrar/registrar-metrics.ts';
import type { RoutingView } from '../../src/routing/routing-view.ts';
import { parseAuthHeader } from '../../src/sip/digest.ts';
import type { SipRequest } from '../../src/sip/message.ts';
import { parseMessage } from '../../src/sip/parser.ts';
import type { MessageSource } from '../../src/sip/transport.ts';
import { redisMissing, startRedisServer } from '../support/redis-server.ts';
import type { RedisServer } from '../support/redis-server.ts';
import { agent101, agent102, closed, kampot, other, registrarRouting, strict } from '../support/registrar-routing.ts';
import { viewOf } from '../support/routing-view-of.ts';

const log = pino({ level: 'silent' });
const phone: MessageSource = { address: '127.0.0.1', port: 5062, transport: 'udp' };
const md5 = (text: string) => createHash('md5').update(text).digest('hex');

interface Register {
  user?: string;
  domain?: string;
  /** The Request-URI's host; the AOR's domain by default. */
  requestHost?: string;
  contacts?: string[];
  expires?: number;
  callId?: string;
  cseq?: number;
  headers?: string[];
}

let callIds = 0;
function registerRequest(r: Register): SipRequest {
  const user = r.user ?? agent101.username;
  const domain = r.domain ?? kampot;
  const lines = [
    `REGISTER sip:${r.requestHost ?? domain} SIP/2.0`,
    `Via: SIP/2.0/UDP ${phone.address}:${phone.port};branch=z9hG4bK-${Math.random().toString(36).slice(2)}`,
    `From: <sip:${user}@${domain}>;tag=phone`,
    `To: <sip:${user}@${domain}>`,
    `Call-ID: ${r.callId ?? 'reg-1'}`,
    `CSeq: ${r.cseq ?? 1} REGISTER`,
    'Max-Forwards: 70',
    ...(r.contacts ?? []).map((contact) => `Contact: ${contact}`),
    ...(r.expires === undefined ? [] : [`Expires: ${r.expires}`]),
    ...(r.headers ?? []),
    'Content-Length: 0',
  ];
  const parsed = parseMessage(Buffer.from(`${lines.join('\r\n')}\r\n\r\n`));
  if (!parsed.ok || parsed.message.kind !== 'request') throw new Error(`test REGISTER does not parse: ${JSON.stringify(parsed)}`);
  return parsed.message;
}

const header = (answer: RegistrarAnswer, name: string) => answer.headers.filter((h) => h.name === name).map((h) => h.value);

describe('registrar', { skip: redisMissing, timeout: 60_000 }, () => {
  let redis: RedisServer;
  let store: RedisBindingStore;
  let registrar: Registrar;
  let view: RoutingView;

  before(async () => {
    redis = await startRedisServer();
    store = new RedisBindingStore({ url: redis.url, log });
    await store.ready();
    view = await viewOf(registrarRouting());
    registrar = new Registrar({
      carrier: 'mekong', edge: '127.0.0.1:5060', store, authenticator: new DigestAuthenticator(), log,
      settings: { expiry: defaultExpirySettings, maxBindingsPerUser: 3 }, metrics: registrarMetrics(new Registry()),
    });
  });
  after(async () => {
    await store.close();
    await redis.stop();
  });

  /** The REGISTER as a phone sends it: unauthenticated first (401), then again with credentials and CSeq + 1. */
  async function register(r: Register, password: string = agent101.password, source = phone): Promise<RegistrarAnswer> {
    const callId = r.callId ?? `reg-${++callIds}`;
    const first = registerRequest({ ...r, callId });
    const challenged = await registrar.register(first, source, view);
    if (challenged.status !== 401) return challenged;
    const challenge = parseAuthHeader(header(challenged, 'WWW-Authenticate')[0] ?? '');
    assert.ok(challenge.ok);
    const username = r.user ?? agent101.username;
    const realm = challenge.value.params.get('realm') ?? '';
    const answer = authorizationFor({ challenge: challenge.value, method: 'REGISTER', uri: first.uri, credential: { username, realm, ha1: md5(`${username}:${realm}:${password}`), ha1b: '' } });
    assert.ok(answer.ok);
    const second = registerRequest({ ...r, callId, cseq: (r.cseq ?? 1) + 1, headers: [...(r.headers ?? []), `Authorization: ${answer.value}`] });
    return registrar.register(second, source, view);
  }

  /** Starts a test from no bindings: Contact: * in a Call-ID of its own. */
  async function clear(user: string, password: string): Promise<void> {
    assert.equal((await register({ user, contacts: ['*'], expires: 0 }, password)).status, 200);
  }

  test('a REGISTER without credentials is challenged for the domain realm; with them the 200 lists every binding with its expiry, and the Date', async () => {
    const challenged = await registrar.register(registerRequest({ user: agent102.username, contacts: ['<sip:agent-102@127.0.0.1:5062>'] }), phone, view);
    assert.equal(challenged.status, 401);
    assert.match(header(challenged, 'WWW-Authenticate')[0] ?? '', new RegExp(`realm="${kampot}"`));
    const ok = await register({ user: agent102.username, contacts: ['<sip:agent-102@127.0.0.1:5062>;expires=120', '<sip:agent-102@127.0.0.1:5062;transport=tcp>;q=0.5'] }, agent102.password);
    assert.equal(ok.status, 200, ok.detail);
    assert.deepEqual(header(ok, 'Contact').sort(), ['<sip:agent-102@127.0.0.1:5062;transport=tcp>;q=0.5;expires=3600', '<sip:agent-102@127.0.0.1:5062>;expires=120']);
    assert.ok(!Number.isNaN(Date.parse(header(ok, 'Date')[0] ?? '')));
    const queried = await register({ user: agent102.username }, agent102.password);
    assert.equal(queried.status, 200);
    assert.equal(header(queried, 'Contact').length, 2, 'a REGISTER without Contact lists the bindings and changes nothing');
  });

  test('a wrong password, an unknown user or another user\'s address: 401, then 403, and nothing is stored', async () => {
    const wrong = await register({ contacts: ['<sip:x@127.0.0.1:5062>'] }, 'guess');
    assert.deepEqual([wrong.status, wrong.reason, wrong.digestFailure], [403, 'Forbidden - Authentication Failed', 'bad-response']);
    const unknown = await register({ user: 'agent-999', contacts: ['<sip:x@127.0.0.1:5062>'] }, 'guess');
    assert.equal(unknown.status, 403);
    // agent-101's own credentials, but the To names agent-102.
    const first = registerRequest({ user: agent102.username, contacts: ['<sip:x@127.0.0.1:5062>'] });
    const challenge = parseAuthHeader(header(await registrar.register(first, phone, view), 'WWW-Authenticate')[0] ?? '');
    assert.ok(challenge.ok);
    const authorization = authorizationFor({ challenge: challenge.value, method: 'REGISTER', uri: first.uri, credential: { username: agent101.username, realm: kampot, ha1: md5(`${agent101.username}:${kampot}:${agent101.password}`), ha1b: '' } });
    assert.ok(authorization.ok);
    const hijack = await registrar.register(registerRequest({ user: agent102.username, contacts: ['<sip:x@127.0.0.1:5062>'], cseq: 2, headers: [`Authorization: ${authorization.value}`] }), phone, view);
    assert.deepEqual([hijack.status, hijack.reason], [403, 'Forbidden - Not Your Address']);
    assert.deepEqual(await store.lookup({ carrier: 'mekong', domain: kampot, user: 'agent-999' }), []);
  });

  test('the domain decides first: unknown 404, disabled 403, aclAndDigest from outside its ACL 403, an AOR of another domain 404', async () => {
    const cases: Array<[Register, MessageSource, number, string]> = [
      [{ domain: 'nowhere.sip.test' }, phone, 404, 'Not Found - Unknown Domain'],
      [{ domain: closed }, phone, 403, 'Forbidden - Domain Disabled'],
      [{ domain: strict }, phone, 403, 'Forbidden - Source Not In ACL'],
      [{ domain: other, requestHost: kampot }, phone, 404, 'Not Found - AOR Not In Domain'],
    ];
    for (const [r, source, status, reason] of cases) {
      const answer = await register({ contacts: ['<sip:x@127.0.0.1:5062>'], ...r }, agent101.password, source);
      assert.deepEqual([answer.status, answer.reason], [status, reason], JSON.stringify(r));
    }
    const inAcl = await register({ domain: strict, contacts: ['<sip:agent-101@127.0.0.4:5062>'] }, agent101.password, { ...phone, address: '127.0.0.4' });
    assert.equal(inAcl.status, 200, 'in the ACL and with digest');
    const noDigest = await registrar.register(registerRequest({ contacts: ['<sip:x@127.0.0.3:5062>'] }), { ...phone, address: '127.0.0.3' }, view);
    assert.equal(noDigest.status, 401, 'the ACL admits calls, never a registration');
  });

  test('an extension in Require is refused with 420 and Unsupported', async () => {
    const answer = await registrar.register(registerRequest({ contacts: ['<sip:x@127.0.0.1:5062>'], headers: ['Require: outbound, gruu'] }), phone, view);
    assert.deepEqual([answer.status, header(answer, 'Unsupported')], [420, ['outbound, gruu']]);
  });

  test('expiry: 423 with Min-Expires below the floor, the ceiling cuts, a NAT\'d UDP phone gets the short interval unless it registers an RFC 5626 flow, over TCP it does not', async () => {
    await clear(agent101.username, agent101.password);
    const brief = await register({ contacts: ['<sip:a@127.0.0.1:5062>;expires=30'] });
    assert.deepEqual([brief.status, header(brief, 'Min-Expires')], [423, ['60']]);
    const long = await register({ contacts: ['<sip:b@127.0.0.1:5062>'], expires: 86_400 });
    assert.match(header(long, 'Contact').find((c) => c.startsWith('<sip:b@')) ?? '', /;expires=3600$/);
    const natted = await register({ contacts: ['<sip:c@192.168.1.20:5060>;expires=600'] });
    assert.match(header(natted, 'Contact').find((c) => c.startsWith('<sip:c@')) ?? '', /;expires=60$/);
    const tcp = await register({ contacts: ['<sip:d@192.168.1.20:5060;transport=tcp>;expires=600'] }, agent101.password, { ...phone, transport: 'tcp', port: 40_123 });
    assert.match(header(tcp, 'Contact').find((c) => c.startsWith('<sip:d@')) ?? '', /;expires=600$/);
    // An RFC 5626 flow keeps its pinhole open with STUN keep-alives, not with REGISTERs.
    await clear(agent101.username, agent101.password);
    const instance = '+sip.instance="<urn:uuid:00000000-0000-1000-8000-0000000000aa>";reg-id=1';
    const keptAlive = await register({ contacts: [`<sip:e@192.168.1.20:5060>;${instance};expires=600`], headers: ['Supported: outbound'] });
    assert.match(header(keptAlive, 'Contact').find((c) => c.startsWith('<sip:e@')) ?? '', /;expires=600$/);
    const notOutbound = await register({ contacts: [`<sip:f@192.168.1.20:5060>;${instance.replace('aa>', 'ab>')};expires=600`] });
    assert.match(header(notOutbound, 'Contact').find((c) => c.startsWith('<sip:f@')) ?? '', /;expires=60$/, 'a flow without Supported: outbound');
  });

  test('RFC 5626: a UA registering a flow (instance, reg-id, Supported: outbound) is answered Require: outbound, over TCP or TLS with a Flow-Timer; not without all three', async () => {
    const user = agent102.username;
    const password = agent102.password;
    const tls: MessageSource = { ...phone, transport: 'tls', port: 40_200 };
    const flow = (n: number) => `<sip:agent-102@192.168.1.30:5061;transport=tls>;+sip.instance="<urn:uuid:00000000-0000-1000-8000-00000000000${n}>";reg-id=1`;
    const outbound = (answer: RegistrarAnswer) => [answer.status, header(answer, 'Require'), header(answer, 'Flow-Timer')];
    await clear(user, password);
    assert.deepEqual(outbound(await register({ user, contacts: [flow(1)], headers: ['Supported: path, outbound'] }, password, tls)), [200, ['outbound'], ['120']]);
    assert.deepEqual(outbound(await register({ user, contacts: [flow(2)], headers: ['Supported: outbound'] }, password, phone)), [200, ['outbound'], []], 'UDP: STUN keep-alives at the UA\'s own interval');
    await clear(user, password);
    assert.deepEqual(outbound(await register({ user, contacts: [flow(3)] }, password, tls)), [200, [], []], 'no Supported: outbound');
    assert.deepEqual(outbound(await register({ user, contacts: ['<sip:agent-102@192.168.1.30:5061;transport=tls>'], headers: ['Supported: outbound'] }, password, tls)), [200, [], []], 'no instance and reg-id');
    await clear(user, password);
  });

  test('Expires 0 removes one binding, * with Expires 0 removes all; * beside a Contact or without Expires 0 is a 400', async () => {
    const user = agent102.username;
    const password = agent102.password;
    await clear(user, password);
    await register({ user, callId: 'desk', cseq: 10, contacts: ['<sip:desk1@127.0.0.1:5062>', '<sip:desk2@127.0.0.1:5062>'] }, password);
    const one = await register({ user, callId: 'desk', cseq: 20, contacts: ['<sip:desk1@127.0.0.1:5062>;expires=0'] }, password);
    assert.ok(!header(one, 'Contact').some((c) => c.startsWith('<sip:desk1@')));
    assert.ok(header(one, 'Contact').some((c) => c.startsWith('<sip:desk2@')));
    const notAlone = await register({ user, callId: 'desk', cseq: 30, contacts: ['*', '<sip:desk3@127.0.0.1:5062>'], expires: 0 }, password);
    assert.equal(notAlone.status, 400);
    const notZero = await register({ user, callId: 'desk', cseq: 30, contacts: ['*'], expires: 60 }, password);
    assert.deepEqual([notZero.status, notZero.reason], [400, 'Bad Request - Contact * Needs Expires 0']);
    const all = await register({ user, callId: 'desk', cseq: 40, contacts: ['*'], expires: 0 }, password);
    assert.deepEqual([all.status, header(all, 'Contact')], [200, []]);
    assert.deepEqual(await store.lookup({ carrier: 'mekong', domain: kampot, user }), []);
  });

  test('a REGISTER of the same Call-ID with a CSeq not above the binding\'s fails and changes nothing (§10.3 step 7)', async () => {
    await clear(agent101.username, agent101.password);
    await register({ callId: 'late', cseq: 50, contacts: ['<sip:late@127.0.0.1:5062>;expires=300'] });
    const older = await register({ callId: 'late', cseq: 40, contacts: ['<sip:late@127.0.0.1:5062>;expires=0'] });
    assert.deepEqual([older.status, older.reason], [400, 'Bad Request - CSeq Out Of Order']);
    const bindings = await store.lookup({ carrier: 'mekong', domain: kampot, user: agent101.username });
    assert.ok(bindings.some((b) => b.uri === 'sip:late@127.0.0.1:5062'));
  });

  test('RFC 5626: a new Contact with the same instance and reg-id replaces the flow; RFC 8599: push parameters are kept, a pn-prid needs its pn-provider', async () => {
    const user = agent102.username;
    await clear(user, agent102.password);
    const instance = '+sip.instance="<urn:uuid:00000000-0000-1000-8000-000a95a0e128>";reg-id=1';
    await register({ user, contacts: [`<sip:app@10.1.1.1:5062;pn-provider=apns;pn-prid=token-1;pn-param=ABCD.com.example.voip>;${instance}`] }, agent102.password);
    const moved = await register({ user, contacts: [`<sip:app@10.2.2.2:5062;pn-provider=apns;pn-prid=token-2;pn-param=ABCD.com.example.voip>;${instance}`] }, agent102.password);
    const app = header(moved, 'Contact').filter((c) => c.startsWith('<sip:app@'));
    assert.deepEqual(app, [`<sip:app@10.2.2.2:5062;pn-provider=apns;pn-prid=token-2;pn-param=ABCD.com.example.voip>;${instance};expires=60`]);
    const binding = (await store.lookup({ carrier: 'mekong', domain: kampot, user })).find((b) => b.uri.startsWith('sip:app@'));
    assert.deepEqual(binding?.push, { provider: 'apns', prid: 'token-2', param: 'ABCD.com.example.voip' });
    assert.equal(binding?.instance, '<urn:uuid:00000000-0000-1000-8000-000a95a0e128>');
    assert.deepEqual(binding?.flow, { transport: 'udp', address: '127.0.0.1', port: 5062, edge: '127.0.0.1:5060' });
    assert.equal(binding?.natted, true);
    const orphan = await register({ user, contacts: ['<sip:app@10.2.2.2:5062;pn-prid=token-3>'] }, agent102.password);
    assert.equal(orphan.status, 400);
  });

  test('RFC 8599 with a push service: a pn-provider it serves is promised in Feature-Caps; another gets 555 and is not stored; removing one is allowed', async () => {
    const user = agent102.username;
    await clear(user, agent102.password);
    const pushing = new Registrar({
      carrier: 'mekong', edge: '127.0.0.1:5060', store, authenticator: new DigestAuthenticator(), log, pushProviders: new Set(['apns', 'fcm']),
      settings: { expiry: defaultExpirySettings, maxBindingsPerUser: 3 }, metrics: registrarMetrics(new Registry()),
    });
    const saved = registrar;
    registrar = pushing;
    try {
      const served = await register({ user, contacts: ['<sip:app@10.1.1.1:5062;pn-provider=fcm;pn-prid=token-9;pn-param=mekong-app>'] }, agent102.password);
      assert.equal(served.status, 200, served.detail);
      assert.deepEqual(header(served, 'Feature-Caps'), ['*;+sip.pns="fcm"']);
      const unserved = await register({ user, contacts: ['<sip:web@10.1.1.1:5062;pn-provider=webpush;pn-prid=token-10>'] }, agent102.password);
      assert.deepEqual([unserved.status, unserved.reason, header(unserved, 'Feature-Caps')], [555, 'Push Notification Service Not Supported', ['*;+sip.pns="apns,fcm"']]);
      assert.deepEqual((await store.lookup({ carrier: 'mekong', domain: kampot, user })).map((binding) => binding.uri), ['sip:app@10.1.1.1:5062;pn-provider=fcm;pn-prid=token-9;pn-param=mekong-app']);
      const removed = await register({ user, contacts: ['<sip:app@10.1.1.1:5062;pn-provider=webpush;pn-prid=token-10>;expires=0'] }, agent102.password);
      assert.equal(removed.status, 200, 'a Contact being removed is not asking to be pushed');
    } finally {
      registrar = saved;
    }
    const plain = await register({ user, contacts: ['<sip:web@10.1.1.1:5062;pn-provider=webpush;pn-prid=token-10>'] }, agent102.password);
    assert.deepEqual([plain.status, header(plain, 'Feature-Caps')], [200, []], 'without a push service the pn-* parameters are kept and nothing is promised');
  });

  test('a user may not hold more bindings than the cap: 403, and the existing ones stay', async () => {
    const user = agent102.username;
    await clear(user, agent102.password);
    const three = ['<sip:p1@127.0.0.1:5062>', '<sip:p2@127.0.0.1:5062>', '<sip:p3@127.0.0.1:5062>'];
    assert.equal((await register({ user, contacts: three, callId: 'cap', cseq: 110 }, agent102.password)).status, 200);
    const fourth = await register({ user, contacts: ['<sip:p4@127.0.0.1:5062>'], callId: 'cap', cseq: 120 }, agent102.password);
    assert.deepEqual([fourth.status, fourth.reason], [403, 'Forbidden - Too Many Registrations']);
    assert.equal((await store.lookup({ carrier: 'mekong', domain: kampot, user })).length, 3);
  });

  test('without its store the registrar answers 503 with Retry-After at once', async () => {
    const lonely = await startRedisServer();
    const gone = new RedisBindingStore({ url: lonely.url, log, timeoutMs: 300 });
    await gone.ready();
    await lonely.stop();
    const orphaned = new Registrar({
      carrier: 'mekong', edge: '127.0.0.1:5060', store: gone, authenticator: new DigestAuthenticator(), log,
      settings: { expiry: defaultExpirySettings, maxBindingsPerUser: 3 }, metrics: registrarMetrics(new Registry()),
    });
    const saved = registrar;
    registrar = orphaned;
    try {
      const answer = await register({ contacts: ['<sip:x@127.0.0.1:5062>'] });
      assert.deepEqual([answer.status, answer.reason, header(answer, 'Retry-After')], [503, 'Service Unavailable - Registrar Store Unavailable', ['10']]);
    } finally {
      registrar = saved;
      await gone.close();
    }
  });
});
