import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { numberRoutes } from '../../api/routing/number-routes.ts';
import { routingShard, routingManifest, workerSecrets } from '../../api/routing/schema.ts';
import { shardText, type ShardPayload } from '../../api/routing/shard-data.ts';
import { compile } from '../src/compile/compile.ts';
import { accountSID, compositeUsername, digestCredential } from '../src/compile/credentials.ts';
import type { DesiredObject } from '../src/compile/desired.ts';
import type { CompileResult } from '../src/compile/result.ts';
import { maxShardCount, shardBudgetBytes, shardCountFor, shardIndex } from '../src/compile/routing.ts';
import { account, carrier, carrierRef, context, inboundTrunk, observed, outboundTrunk, phoneNumber, secret, sipDomain } from './builders.ts';

const kh = (name = 'mekong', namespace?: string) => carrier(name, { displayName: name, country: 'KH', sipDomainBase: `${name}.example` }, namespace);
const withToken = (name: string, namespace = 'telco') => secret(`${name}-auth-token`, { authToken: `token-of-${name}`, accountSID: 'x' }, namespace);

type WithData = DesiredObject & { data: Record<string, string> };
function objectNamed(result: CompileResult, kind: string, name: string): WithData | undefined {
  return [...result.phases.flat(), ...result.createOnly].find((o) => o.kind === kind && o.metadata.name === name) as WithData | undefined;
}
function routing(result: CompileResult, carrierName = 'mekong') {
  const manifestMap = objectNamed(result, 'ConfigMap', `${carrierName}-routing`);
  assert.ok(manifestMap, 'manifest ConfigMap is desired');
  const manifest = routingManifest.parse(JSON.parse(manifestMap.data['manifest.json'] ?? ''));
  const shards = manifest.shards.map((ref) => routingShard.parse(JSON.parse(shardText(objectNamed(result, 'ConfigMap', ref.name) ?? {}) ?? '')));
  const secretObject = objectNamed(result, 'Secret', `${carrierName}-worker-secrets`);
  const secrets = workerSecrets.parse(JSON.parse(Buffer.from(secretObject?.data['secrets.json'] ?? '', 'base64').toString()));
  return { manifest, shards, numbers: Object.fromEntries(numberRoutes(shards)) as Record<string, unknown>, accounts: Object.assign({}, ...shards.map((s) => s.accounts)) as Record<string, unknown>, core: shards[0]?.core, secrets };
}
const statusOf = (result: CompileResult, kind: string, name: string) => result.statuses.find((s) => s.kind === kind && s.name === name)?.status;
const condition = (result: CompileResult, kind: string, name: string, type: string) => statusOf(result, kind, name)?.conditions.find((c) => c.type === type);

describe('digest credentials (the Bandwidth seed\'s four test vectors)', () => {
  const realm = 'custxx.auth.bandwidth.com';
  test('without a domain', () => {
    const credential = digestCredential(compositeUsername('sipauthtest'), realm, 'password');
    assert.equal(credential.ha1, 'fe438bddfc087dda89d29e637f5684ab');
    assert.equal(credential.ha1b, '79bb0e55551e14a2f329a282c7cf1456');
  });
  test('with domain somewhere.com: composite username bob@somewhere.com', () => {
    const credential = digestCredential(compositeUsername('bob', 'somewhere.com'), realm, 'password');
    assert.equal(credential.username, 'bob@somewhere.com');
    assert.equal(credential.ha1, '817d76e91aad032a8c272229f468bfb2');
    assert.equal(credential.ha1b, '39679d2a73c2e1ea719621bc0d8fdac8');
  });
});

describe('compile', () => {
  const base = () => {
    const carriers = [kh()];
    const accounts = [account('clinic', { ...carrierRef(), voiceURL: 'https://clinic.example/voice' })];
    return { carriers, accounts, secrets: new Map([withToken('clinic')]) };
  };

  test('routes a number to its account, with the webhook it inherits, and reports it in status', () => {
    const result = compile(observed({ ...base(), phoneNumbers: [phoneNumber('pn-1', { ...carrierRef(), number: '+85512345678', accountRef: { name: 'clinic' } })] }), context);
    const { numbers, accounts, secrets } = routing(result);
    assert.deepEqual(numbers['+85512345678'], { type: 'local', enabled: true, account: 'clinic' });
    const sid = accountSID('uid-telco-clinic');
    assert.deepEqual(accounts.clinic, { sid, enabled: true, voice: { url: 'https://clinic.example/voice', method: 'POST' } });
    assert.equal(secrets.authTokens[sid], 'token-of-clinic');
    assert.deepEqual(statusOf(result, 'PhoneNumber', 'pn-1')?.webhook, { url: 'https://clinic.example/voice', method: 'POST', source: 'Account' });
    assert.equal(condition(result, 'PhoneNumber', 'pn-1', 'Ready')?.status, 'True');
  });

  test('is deterministic and, fed its own statuses back, asks for no status writes', () => {
    const input = observed({ ...base(), phoneNumbers: [phoneNumber('pn-2', { ...carrierRef(), number: '1294', type: 'shortCode', accountRef: { name: 'clinic' } })] });
    const first = compile(input, context);
    assert.deepEqual(compile(input, context), first);
    const byName = new Map(first.statuses.map((s) => [`${s.kind}/${s.name}`, s.status]));
    for (const object of [...input.carriers, ...input.accounts, ...input.phoneNumbers]) object.status = byName.get(`${object === input.carriers[0] ? 'Carrier' : input.accounts.includes(object as never) ? 'Account' : 'PhoneNumber'}/${object.metadata.name}`);
    const second = compile(input, { ...context, now: new Date('2026-11-24T00:00:00Z') });
    assert.deepEqual(second.statuses, []);
    assert.deepEqual(second.events, []);
  });

  test('an account without a token Secret gets one created once, and it is published at once', () => {
    const result = compile(observed({ carriers: [kh()], accounts: [account('new', carrierRef())] }), context);
    const created = objectNamed(result, 'Secret', 'new-auth-token');
    assert.ok(created);
    const token = Buffer.from(created.data.authToken ?? '', 'base64').toString();
    assert.match(token, /^[0-9a-f]{32}$/);
    assert.equal(routing(result).secrets.authTokens[accountSID('uid-telco-new')], token);
    const withExisting = compile(observed({ carriers: [kh()], accounts: [account('old', carrierRef())], secrets: new Map([withToken('old')]) }), context);
    assert.deepEqual(withExisting.createOnly, [], 'an existing token is never regenerated');
  });

  test('a carrier with a registrar gets its workers\' flow token key Secret created once; one without a registrar none', () => {
    const withRegistrar = carrier('mekong', { displayName: 'mekong', country: 'KH', sipDomainBase: 'mekong.example', registrar: { redisURLSecretRef: { name: 'redis' } } });
    const result = compile(observed({ carriers: [withRegistrar] }), context);
    const created = objectNamed(result, 'Secret', 'mekong-sip-worker-key');
    assert.ok(created && result.createOnly.includes(created), 'created, never applied over');
    assert.match(Buffer.from(created.data.flowTokenKey ?? '', 'base64').toString(), /^[0-9a-f]{64}$/, '32 random bytes as hex: an environment variable holds text');
    assert.deepEqual(created.metadata.ownerReferences?.map((owner) => owner.kind), ['Carrier']);
    const existing = compile(observed({ carriers: [withRegistrar], secrets: new Map([secret('mekong-sip-worker-key', { flowTokenKey: 'kept' })]) }), context);
    const kept = objectNamed(existing, 'Secret', 'mekong-sip-worker-key');
    assert.equal(Buffer.from(kept?.data.flowTokenKey ?? '', 'base64').toString(), 'kept', 'an existing key stays desired (not pruned) and is never regenerated');
    assert.equal(objectNamed(compile(observed({ carriers: [kh()] }), context), 'Secret', 'mekong-sip-worker-key'), undefined);
  });

  test('a carrier with an event webhook gets its signing secret created once, in the workers\' routing with the URL; one without gets neither', () => {
    const withEvents = carrier('mekong', { displayName: 'mekong', country: 'KH', eventWebhook: { url: 'https://billing.mekong.example/events' } });
    const result = compile(observed({ carriers: [withEvents] }), context);
    const created = objectNamed(result, 'Secret', 'mekong-event-webhook');
    assert.ok(created && result.createOnly.includes(created), 'created, never applied over');
    const drawn = Buffer.from(created.data.signingSecret ?? '', 'base64').toString();
    assert.equal(drawn, Buffer.from(new Uint8Array(32).fill(7)).toString('base64url'), '32 random bytes, base64url');
    assert.deepEqual(created.metadata.ownerReferences?.map((owner) => owner.kind), ['Carrier']);
    assert.equal(routing(result).secrets.eventWebhookSigningSecret, drawn, 'the workers sign with the secret the Secret holds');
    assert.deepEqual(routing(result).core?.carrier.eventWebhook, { url: 'https://billing.mekong.example/events' });
    assert.equal((statusOf(result, 'Carrier', 'mekong') as { eventWebhookSigningSecret?: string } | undefined)?.eventWebhookSigningSecret, 'mekong-event-webhook');

    const existing = compile(observed({ carriers: [withEvents], secrets: new Map([secret('mekong-event-webhook', { signingSecret: 'kept-secret' })]) }), context);
    assert.equal(Buffer.from(objectNamed(existing, 'Secret', 'mekong-event-webhook')?.data.signingSecret ?? '', 'base64').toString(), 'kept-secret', 'never regenerated');
    assert.equal(routing(existing).secrets.eventWebhookSigningSecret, 'kept-secret');

    const without = compile(observed({ carriers: [kh()], secrets: new Map([secret('mekong-event-webhook', { signingSecret: 'kept-secret' })]) }), context);
    assert.equal(objectNamed(without, 'Secret', 'mekong-event-webhook'), undefined, 'not desired, so pruned with the webhook');
    assert.equal(routing(without).secrets.eventWebhookSigningSecret, undefined);
    assert.equal(routing(without).core?.carrier.eventWebhook, undefined);
  });

  test('the same number twice: the later PhoneNumber gets Conflict naming the earlier one, which keeps routing', () => {
    const earlier = phoneNumber('pn-a', { ...carrierRef(), number: '+85523900100', accountRef: { name: 'clinic' } });
    const later = phoneNumber('pn-b', { ...carrierRef(), number: '+85523900100', voiceURL: 'https://other.example/' });
    const result = compile(observed({ ...base(), phoneNumbers: [later, earlier] }), context);
    const conflict = condition(result, 'PhoneNumber', 'pn-b', 'Conflict');
    assert.equal(conflict?.status, 'True');
    assert.equal(conflict?.reason, 'DuplicateNumber');
    assert.match(conflict?.message ?? '', /\+85523900100 is already used by PhoneNumber telco\/pn-a/);
    assert.equal(condition(result, 'PhoneNumber', 'pn-b', 'Ready')?.status, 'False');
    assert.equal((routing(result).numbers['+85523900100'] as { account?: string }).account, 'clinic');
    assert.ok(result.events.some((e) => e.regarding.name === 'pn-b' && e.reason === 'DuplicateNumber' && e.type === 'Warning'));
    // Fixing the cause (deleting the earlier one) clears the condition and routes the later one.
    const fixed = compile(observed({ ...base(), phoneNumbers: [{ ...later, status: statusOf(result, 'PhoneNumber', 'pn-b') }] }), context);
    assert.equal(condition(fixed, 'PhoneNumber', 'pn-b', 'Conflict'), undefined);
    assert.equal(condition(fixed, 'PhoneNumber', 'pn-b', 'Ready')?.status, 'True');
    assert.ok(fixed.events.some((e) => e.regarding.name === 'pn-b' && e.reason === 'ConflictResolved'));
  });

  test('overlapping inbound CIDRs between carriers: the later trunk is kept out of routing', () => {
    const carriers = [kh('mekong'), kh('angkor')];
    const first = inboundTrunk('sbc-1', { ...carrierRef('mekong'), sourceIPs: ['203.0.113.0/24'] });
    const second = inboundTrunk('sbc-2', { ...carrierRef('angkor'), sourceIPs: ['198.51.100.1', '203.0.113.64/28'] });
    const result = compile(observed({ carriers, inboundTrunks: [second, first] }), context);
    const conflict = condition(result, 'InboundTrunk', 'sbc-2', 'Conflict');
    assert.equal(conflict?.reason, 'OverlappingSourceIPs');
    assert.match(conflict?.message ?? '', /203\.0\.113\.64\/28 overlaps 203\.0\.113\.0\/24 of InboundTrunk telco\/sbc-1 \(Carrier mekong\)/);
    assert.deepEqual(routing(result, 'angkor').core?.inboundTrunks, []);
    assert.deepEqual(routing(result, 'mekong').core?.inboundTrunks.map((t) => t.sourceCIDRs), [['203.0.113.0/24']]);
  });

  test('duplicate SIP domain names: the later domain gets Conflict', () => {
    const accounts = [account('kampot', carrierRef())];
    const domain = (name: string) => sipDomain(name, { ...carrierRef(), accountRef: { name: 'kampot' }, name: 'kampot', region: 'ap', acl: ['198.51.100.0/28'] });
    const first = domain('kampot');
    const second = domain('kampot-again');
    const result = compile(observed({ carriers: [kh()], accounts, secrets: new Map([withToken('kampot')]), sipDomains: [second, first] }), context);
    assert.equal(condition(result, 'SipDomain', 'kampot-again', 'Conflict')?.reason, 'DuplicateSIPDomain');
    assert.equal(statusOf(result, 'SipDomain', 'kampot')?.domain, 'kampot.sip-ap.mekong.example');
    assert.equal(routing(result).core?.sipDomains.length, 1);
  });

  test('missing references: ResolvedRefs False with the reason, and nothing routed', () => {
    const result = compile(observed({
      ...base(),
      phoneNumbers: [
        phoneNumber('pn-no-account', { ...carrierRef(), number: '+85512000001', accountRef: { name: 'ghost' } }),
        phoneNumber('pn-no-carrier', { ...carrierRef('nowhere'), number: '+85512000002' }),
      ],
      outboundTrunks: [outboundTrunk('pstn', { ...carrierRef(), host: 'gw.example', credentials: { username: 'u', passwordSecretRef: { name: 'missing' } } })],
    }), context);
    assert.equal(condition(result, 'PhoneNumber', 'pn-no-account', 'ResolvedRefs')?.reason, 'AccountNotFound');
    assert.equal(condition(result, 'PhoneNumber', 'pn-no-carrier', 'ResolvedRefs')?.reason, 'CarrierNotFound');
    assert.equal(condition(result, 'OutboundTrunk', 'pstn', 'ResolvedRefs')?.reason, 'SecretNotFound');
    assert.deepEqual(Object.keys(routing(result).numbers), []);
    assert.deepEqual(routing(result).core?.outboundTrunks, []);
  });

  test('outbound trunk credentials become HA1 hashes; the password appears in no ConfigMap', () => {
    const password = 'Pa55-not-in-configmaps';
    const trunk = outboundTrunk('pstn', { ...carrierRef(), host: 'gw.example', routePrefixes: ['855'], credentials: { username: 'sipauthtest', domain: 'somewhere.com', realm: 'custxx.auth.bandwidth.com', passwordSecretRef: { name: 'creds' } } });
    const result = compile(observed({ carriers: [kh()], outboundTrunks: [trunk], secrets: new Map([secret('creds', { password })]) }), context);
    const { secrets, core } = routing(result);
    assert.deepEqual(secrets.outboundTrunks.pstn, digestCredential('sipauthtest@somewhere.com', 'custxx.auth.bandwidth.com', password));
    assert.equal(core?.outboundTrunks[0]?.hasCredentials, true);
    for (const object of result.phases.flat()) assert.ok(!JSON.stringify(object).includes(password), `${object.kind} ${object.metadata.name} holds no password`);
  });

  test('credentials given as Bandwidth\'s Hash1 and Hash1b go into routing as they are; a missing or malformed hash is a ResolvedRefs reason', () => {
    const realm = 'custxx.auth.bandwidth.com';
    const trunk = (name: string, hashes: string) => outboundTrunk(name, { ...carrierRef(), host: 'gw.example', routePrefixes: ['1'], credentials: { username: 'sipauthtest', realm, hashesSecretRef: { name: hashes } } });
    const result = compile(observed({
      carriers: [kh()],
      outboundTrunks: [trunk('bandwidth', 'bw-hashes'), trunk('typo', 'bad-hashes'), trunk('half', 'half-hashes')],
      secrets: new Map([
        // As a user pastes them: upper case, a trailing newline.
        secret('bw-hashes', { hash1: 'FE438BDDFC087DDA89D29E637F5684AB\n', hash1b: '79bb0e55551e14a2f329a282c7cf1456' }),
        secret('bad-hashes', { hash1: 'fe438bddfc087dda89d29e637f5684a', hash1b: '79bb0e55551e14a2f329a282c7cf1456' }),
        secret('half-hashes', { hash1: 'fe438bddfc087dda89d29e637f5684ab' }),
      ]),
    }), context);
    assert.deepEqual(routing(result).secrets.outboundTrunks.bandwidth, digestCredential('sipauthtest', realm, 'password'), 'the seed\'s hashes are the password\'s');
    assert.deepEqual(Object.keys(routing(result).secrets.outboundTrunks), ['bandwidth']);
    // A SIP domain's users the same way, hashed with the domain's address as realm.
    const fqdn = 'kampot.sip-ap.mekong.example';
    const agent = digestCredential('agent', fqdn, 's3cret');
    const domain = sipDomain('kampot', { ...carrierRef(), accountRef: { name: 'kampot' }, name: 'kampot', region: 'ap', credentials: [{ username: 'agent', hashesSecretRef: { name: 'agent-hashes' } }] });
    const withDomain = compile(observed({
      carriers: [kh()], accounts: [account('kampot', carrierRef())], sipDomains: [domain],
      secrets: new Map([withToken('kampot'), secret('agent-hashes', { hash1: agent.ha1, hash1b: agent.ha1b })]),
    }), context);
    assert.deepEqual(routing(withDomain).secrets.sipDomains[fqdn]?.agent, agent);
    assert.equal(condition(result, 'OutboundTrunk', 'typo', 'ResolvedRefs')?.reason, 'InvalidHash');
    assert.match(condition(result, 'OutboundTrunk', 'typo', 'ResolvedRefs')?.message ?? '', /bad-hashes key "hash1"/);
    assert.equal(condition(result, 'OutboundTrunk', 'half', 'ResolvedRefs')?.reason, 'SecretKeyNotFound');
  });

  test('a large carrier is sharded under the size budget, and one edit changes one shard', () => {
    const numbers = Array.from({ length: 30_000 }, (_, i) => phoneNumber(`pn-${i}`, { ...carrierRef(), number: `+8551${String(i).padStart(7, '0')}`, accountRef: { name: 'clinic' }, voiceURL: `https://clinic.example/voice/${i}` }));
    const before = compile(observed({ ...base(), phoneNumbers: numbers }), context);
    const shards = before.phases[0]?.filter((o) => o.kind === 'ConfigMap') ?? [];
    assert.ok(shards.length > 1, `sharded (${shards.length})`);
    for (const shard of shards) {
      assert.ok(Buffer.byteLength(shardText(shard as ShardPayload) ?? '') <= shardBudgetBytes, `${shard.metadata.name}'s JSON within the budget`);
      assert.ok(Buffer.byteLength(JSON.stringify(shard)) < 1024 * 1024, `${shard.metadata.name} under 1 MiB`);
    }
    assert.equal(Object.keys(routing(before).numbers).length, 30_000);
    // Each number has a webhook of its own: its route is written in place and the edit touches its shard only.
    assert.ok(routing(before).shards.every((shard) => Object.keys(shard.routes ?? {}).length === 0));
    const edited = numbers.map((n, i) => (i === 42 ? { ...n, spec: { ...n.spec, voiceURL: 'https://clinic.example/changed' } } : n));
    const after = compile(observed({ ...base(), phoneNumbers: edited }), context);
    const changed = shards.filter((shard, i) => JSON.stringify(shard) !== JSON.stringify(after.phases[0]?.filter((o) => o.kind === 'ConfigMap')[i]));
    assert.equal(changed.length, 1);
    assert.notEqual(routing(after).manifest.generation, routing(before).manifest.generation);
  });

  test('a route two numbers share is written once, in the shard its key names, and goes back in place when one of them leaves it', () => {
    const shared = 'https://clinic.example/shared';
    const numbers = Array.from({ length: 3_000 }, (_, i) => phoneNumber(`pn-${i}`, { ...carrierRef(), number: `+8551${String(i).padStart(7, '0')}`, accountRef: { name: 'clinic' }, voiceURL: `https://clinic.example/voice/${i}` }));
    const sharing = (which: number[]) => numbers.map((n, i) => (which.includes(i) ? { ...n, spec: { ...n.spec, voiceURL: shared } } : n));
    const shardsOf = (result: CompileResult) => result.phases[0]?.filter((o) => o.kind === 'ConfigMap') ?? [];
    const alone = compile(observed({ ...base(), phoneNumbers: sharing([7]) }), context);
    const both = compile(observed({ ...base(), phoneNumbers: sharing([7, 42]) }), context);
    const count = shardsOf(both).length;
    assert.equal(count, shardsOf(alone).length);
    const value = (result: CompileResult, number: string) => routing(result).shards[shardIndex(number, count)]?.numbers[number];
    assert.equal((value(alone, '+85510000007') as { voice?: { url: string } }).voice?.url, shared, 'used by one number: in place');
    const key = value(both, '+85510000007');
    assert.equal(typeof key, 'string', 'used by two: by key');
    assert.equal(value(both, '+85510000042'), key);
    assert.equal(routing(both).shards[shardIndex(key as string, count)]?.routes?.[key as string]?.voice?.url, shared);
    assert.deepEqual(routing(both).numbers['+85510000042'], routing(both).numbers['+85510000007']);
    // Sharing it rewrites the shards of both numbers and of the key, no others.
    const changed = shardsOf(alone).flatMap((shard, i) => (JSON.stringify(shard) !== JSON.stringify(shardsOf(both)[i]) ? [i] : []));
    assert.deepEqual(new Set(changed), new Set([shardIndex('+85510000007', count), shardIndex('+85510000042', count), shardIndex(key as string, count)]));
  });

  test('the shard count doubles with the routing state up to 4096, then shards grow instead', () => {
    assert.equal(shardCountFor(0), 1);
    assert.equal(shardCountFor(shardBudgetBytes), 2);
    assert.equal(shardCountFor(1000 * shardBudgetBytes), 2048);
    // 1,000,000 numbers with a voice URL each are ~125 MiB of JSON: 8192 shards by the budget alone.
    assert.equal(shardCountFor(125 * 2 ** 20), maxShardCount);
    assert.equal(maxShardCount, 4096);
  });

  test('GitOps labels on the Carrier are not copied onto owned objects', () => {
    const tracked = kh();
    tracked.metadata.labels = { 'argocd.argoproj.io/instance': 'voice', 'kustomize.toolkit.fluxcd.io/name': 'voice', 'app.kubernetes.io/instance': 'voice', team: 'voice' };
    const result = compile(observed({ carriers: [tracked] }), context);
    for (const object of result.phases.flat()) {
      const labels = object.metadata.labels ?? {};
      assert.equal(labels.team, 'voice');
      for (const key of ['argocd.argoproj.io/instance', 'kustomize.toolkit.fluxcd.io/name', 'app.kubernetes.io/instance']) assert.equal(labels[key], undefined, `${object.kind} ${object.metadata.name} lacks ${key}`);
    }
  });

  test('Programmed follows what the workers report', () => {
    const input = observed({ carriers: [kh()] });
    const generation = routing(compile(input, context)).manifest.generation;
    const programmed = (workers: typeof input.workers) => condition(compile({ ...input, workers }, context), 'Carrier', 'mekong', 'Programmed');
    assert.equal(programmed([])?.reason, 'NoReadyWorkers');
    const worker = (pod: string, g?: string) => ({ namespace: 'telco', carrier: 'mekong', pod, ready: true, trunksDown: [], ...(g ? { routingGeneration: g } : {}) });
    assert.equal(programmed([worker('a', generation), worker('b', 'old')])?.reason, 'WorkersBehind');
    assert.equal(programmed([worker('a', generation), worker('b', generation), { ...worker('c', 'old'), ready: false }])?.status, 'True');
  });

  test('a Carrier\'s status gives its SIP Service\'s addresses, and none while the Service has none', () => {
    const addresses = [{ type: 'IPAddress' as const, value: '203.0.113.50' }, { type: 'Hostname' as const, value: 'sip.mekong.example' }];
    const input = observed({ carriers: [kh()], serviceAddresses: new Map([['telco/mekong-sip', addresses], ['telco/mekong-media-relay', [{ type: 'IPAddress', value: '10.0.0.9' }]]]) });
    assert.deepEqual(statusOf(compile(input, context), 'Carrier', 'mekong')?.addresses, addresses);
    assert.equal(statusOf(compile(observed({ carriers: [kh()] }), context), 'Carrier', 'mekong')?.addresses, undefined);
  });

  test('an OutboundTrunk with a health check is Reachable as the ready workers\' probes report; without one it has no such condition', () => {
    const input = observed({
      carriers: [kh()],
      outboundTrunks: [
        outboundTrunk('probed', { ...carrierRef(), host: 'gw.example', healthCheck: { intervalSeconds: 10 } }),
        outboundTrunk('unprobed', { ...carrierRef(), host: 'gw2.example' }),
      ],
    });
    const reachable = (workers: typeof input.workers, trunk = 'probed') => condition(compile({ ...input, workers }, context), 'OutboundTrunk', trunk, 'Reachable');
    const worker = (pod: string, trunksDown: string[], ready = true) => ({ namespace: 'telco', carrier: 'mekong', pod, ready, trunksDown });
    assert.equal(reachable([])?.status, 'Unknown');
    assert.equal(reachable([worker('a', []), worker('b', []), worker('c', ['probed'], false)])?.status, 'True', 'a worker that is not ready does not count');
    const down = reachable([worker('a', ['probed']), worker('b', [])]);
    assert.equal(down?.status, 'False');
    assert.equal(down?.reason, 'HealthCheckFailing');
    assert.match(down?.message ?? '', /1 of 2 ready workers \(a\)/);
    assert.equal(reachable([worker('a', ['probed'])], 'unprobed'), undefined);
  });

  test('an OutboundTrunk without a port is routed without one, for the workers to locate by DNS SRV; with one, it keeps it', () => {
    const result = compile(observed({
      carriers: [kh()],
      outboundTrunks: [
        outboundTrunk('pooled', { ...carrierRef(), host: 'pool.carrier.example', routePrefixes: ['855'] }),
        outboundTrunk('fixed', { ...carrierRef(), host: 'gw.carrier.example', port: 5080, routePrefixes: ['1'] }),
      ],
    }), context);
    const trunks = new Map((routing(result).core?.outboundTrunks ?? []).map((trunk) => [trunk.name, trunk]));
    assert.ok(trunks.has('pooled') && !('port' in (trunks.get('pooled') ?? {})), 'no port in the pooled trunk\'s route');
    assert.equal(trunks.get('fixed')?.port, 5080);
    assert.match(condition(result, 'OutboundTrunk', 'pooled', 'Ready')?.message ?? '', /to pool\.carrier\.example \(located by DNS SRV\)\/udp\./);
    assert.match(condition(result, 'OutboundTrunk', 'fixed', 'Ready')?.message ?? '', /to gw\.carrier\.example:5080\/udp\./);
  });
});
