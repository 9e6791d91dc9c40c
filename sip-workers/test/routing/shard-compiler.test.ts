// The shard compiler reads numbers and routes with its own scanner instead of JSON.parse + zod;
// these tests hold it to exactly their verdicts and their output (numbers naming a route by key
// looked up as numberRoutes does), on generated routes (valid and broken) and on randomly
// corrupted shard texts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { numberRoutes, UndefinedRouteError } from '../../../api/routing/number-routes.ts';
import { routingFormat, routingShard, type NumberRoute } from '../../../api/routing/schema.ts';
import { InternPool } from '../../src/routing/intern-pool.ts';
import { NumberIndexBuilder } from '../../src/routing/number-index.ts';
import { RouteRefs } from '../../src/routing/route-refs.ts';
import { RoutingFormatError } from '../../src/routing/routing-format-error.ts';
import { compileShard, type CompiledShard } from '../../src/routing/shard-compiler.ts';
import { carrierTables } from './fixtures.ts';

/** mulberry32: the same cases on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = random(20260101);
const chance = (p: number) => rand() < p;
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;

const awkward = ['', 'a"b', 'back\\slash', 'tab\there', 'é', '😀', '}{', '\u2028'];
const plainString = () => pick(['kampot', 'takeo', 'https://a.example/v', 'https://b.example/{id}', `acct-${Math.floor(rand() * 5)}`]);
const anyString = () => (chance(0.1) ? pick(awkward) : plainString());
const junk = () => pick<unknown>([null, 5, 'x', [], {}, true, [1, { a: 2 }], { nested: { deep: [null] } }]);

function randomWebhook(): unknown {
  if (chance(0.15)) return junk();
  const webhook: Record<string, unknown> = {};
  if (!chance(0.05)) webhook.url = chance(0.05) ? junk() : anyString();
  if (!chance(0.05)) webhook.method = chance(0.05) ? pick(['PUT', 'post', 'get', 5, null]) : pick(['POST', 'GET']);
  if (chance(0.1)) webhook.extra = junk();
  return shuffled(webhook);
}

function shuffled(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).sort(() => rand() - 0.5));
}

function randomRoute(): unknown {
  if (chance(0.03)) return junk();
  const route: Record<string, unknown> = {};
  if (!chance(0.04)) route.type = chance(0.04) ? pick(['Local', 'toll', 3, null]) : pick(['local', 'mobile', 'tollFree', 'shortCode']);
  if (!chance(0.04)) route.enabled = chance(0.04) ? pick(['true', 1, null]) : chance(0.5);
  if (chance(0.7)) route.account = chance(0.04) ? junk() : anyString();
  if (chance(0.6)) route.voice = randomWebhook();
  if (chance(0.3)) route.fallback = randomWebhook();
  if (chance(0.3)) route.statusCallback = randomWebhook();
  if (chance(0.08)) route[pick(['unknown', 'voiceURL', 'type2'])] = junk();
  return shuffled(route);
}

const core = (() => {
  const tables = carrierTables();
  return { carrier: tables.carrier, inboundTrunks: [], outboundTrunks: [], sipDomains: [] };
})();

const shardText = (numbers: Record<string, unknown>, routes?: Record<string, unknown>) => JSON.stringify({ format: routingFormat, carrier: 'mekong', index: 0, core, accounts: {}, ...(routes ? { routes } : {}), numbers });

const hexKey = () => Array.from({ length: 16 }, () => '0123456789abcdef'[Math.floor(rand() * 16)]).join('');
/** Route keys, mostly well-formed; some too short, uppercase, not hex or escaped. */
const randomKey = () => (chance(0.9) ? hexKey() : pick([hexKey().slice(1), hexKey().toUpperCase(), `${hexKey().slice(2)}zz`, `\u0030${hexKey().slice(1)}`, '']));

type Verdict = { ok: true; numbers: Map<string, NumberRoute> } | { ok: false };

/** The contract's own reading: JSON.parse, the zod schema, and the shard's place. */
function oracle(text: string): Verdict {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false };
  }
  const parsed = routingShard.safeParse(json);
  if (!parsed.success || parsed.data.carrier !== 'mekong' || parsed.data.index !== 0 || !parsed.data.core) return { ok: false };
  try {
    return { ok: true, numbers: numberRoutes([parsed.data]) };
  } catch (error) {
    if (error instanceof UndefinedRouteError) return { ok: false };
    throw error;
  }
}

/** The shard compiled alone (one shard of one), its keys looked up in its own routes as the assembler does. */
function compiled(text: string, pool = new InternPool()): CompiledShard | RoutingFormatError {
  try {
    const refs = new RouteRefs();
    const shard = compileShard(text, { index: 0, count: 1, carrier: 'mekong', sha256: 'test' }, { pool, builder: new NumberIndexBuilder(), refs });
    const ids = refs.resolve([shard]);
    if (!(ids instanceof Int32Array)) return new RoutingFormatError(`route ${ids.undefinedKey} is not defined`);
    shard.numbers.resolve(ids);
    return shard;
  } catch (error) {
    if (error instanceof RoutingFormatError) return error;
    throw error;
  }
}

function assertSameReading(text: string, pool?: InternPool): boolean {
  const expected = oracle(text);
  const actual = compiled(text, pool);
  assert.equal(!(actual instanceof RoutingFormatError), expected.ok, `${expected.ok ? 'rejected' : 'accepted'} ${text.slice(0, 400)}${actual instanceof RoutingFormatError ? `: ${actual.message}` : ''}`);
  if (!expected.ok || actual instanceof RoutingFormatError) return false;
  assert.equal(actual.numbers.size, expected.numbers.size);
  for (const [number, route] of expected.numbers) {
    const routeId = actual.numbers.routeIdOf(number);
    assert.deepEqual(actual.pool.route(routeId), route, `route of ${JSON.stringify(number)}`);
  }
  return true;
}

test('each generated route, valid or not, is read as JSON.parse and the numberRoute schema read it', () => {
  let accepted = 0;
  for (let i = 0; i < 3000; i++) {
    // The same route twice: the second is found by its text, not parsed again.
    const route = randomRoute();
    if (assertSameReading(shardText({ '+8551': route, '+8552': route, [pick(['911', '+1', 'alias', '0', '+', '+1234567890123456'])]: randomRoute() }))) accepted++;
  }
  assert.ok(accepted > 600 && accepted < 2700, `a fair mix of valid and invalid cases (${accepted} of 3000 valid)`);
});

test('numbers naming their routes by key, defined or not, well-formed or not, are read as numberRoutes reads them', () => {
  let accepted = 0;
  for (let i = 0; i < 3000; i++) {
    const keys = Array.from({ length: 1 + Math.floor(rand() * 3) }, randomKey);
    const routes = Object.fromEntries(keys.filter(() => !chance(0.1)).map((key) => [key, chance(0.8) ? { type: 'local', enabled: true, account: plainString(), voice: { url: plainString(), method: 'POST' } } : randomRoute()]));
    const numbers = Object.fromEntries(Array.from({ length: 1 + Math.floor(rand() * 4) }, (_, n) => [`+855${n}`, chance(0.8) ? (chance(0.9) ? pick(keys) : chance(0.5) ? pick(keys).toUpperCase() : randomKey()) : randomRoute()]));
    // Escapes written as such, so a key like \u0030… reaches the reader escaped.
    if (assertSameReading(shardText(numbers, chance(0.95) ? routes : undefined).replaceAll('\\\\u0030', '\\u0030'))) accepted++;
  }
  assert.ok(accepted > 600 && accepted < 2700, `a fair mix of valid and invalid cases (${accepted} of 3000 valid)`);
});

test('a pool shared by many shards keeps every route apart', () => {
  const pool = new InternPool();
  for (let i = 0; i < 300; i++) {
    const numbers = Object.fromEntries(Array.from({ length: 20 }, (_, n) => [`+855${n}`, randomRoute()]));
    assertSameReading(shardText(numbers), pool);
  }
});

test('corrupted shard texts are rejected exactly when JSON.parse or the schema rejects them', () => {
  const route = () => ({ type: 'local', enabled: true, account: pick(['kampot', 'takeo']), voice: { url: plainString(), method: 'POST' } });
  const keys = [hexKey(), hexKey()];
  // Half the numbers with their routes in place, half naming them by key.
  const valid = shardText(Object.fromEntries(Array.from({ length: 12 }, (_, n) => [`+855${n}`, n < 6 ? route() : pick(keys)])), Object.fromEntries(keys.map((key) => [key, route()])));
  const alphabet = '{}[]":,\\ 0123456789+-.eEtrufalsn\n\ta';
  let rejected = 0;
  for (let i = 0; i < 4000; i++) {
    let text = valid;
    for (let edits = 1 + Math.floor(rand() * 2); edits > 0; edits--) {
      const at = Math.floor(rand() * text.length);
      const char = pick([...alphabet]);
      const kind = rand();
      text = kind < 0.4 ? text.slice(0, at) + char + text.slice(at + 1) : kind < 0.7 ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + char + text.slice(at);
    }
    if (!assertSameReading(text)) rejected++;
  }
  assert.ok(rejected > 1000, `most corruptions break the text (${rejected} of 4000 rejected)`);
});

test('escaped strings are decoded wherever they appear', () => {
  const text = '{"format":"switchyard.routing/v1","carrier":"mekong","index":0,"core":' + JSON.stringify(core) +
    ',"accounts":{},"numbers":{"+855\\u0031":{"t\\u0079pe":"loc\\u0061l","enabled":true,"account":"kam\\u0070ot","voice":{"url":"https:\\/\\/a.example\\/v","m\\u0065thod":"POST"}}}}';
  assert.ok(assertSameReading(text));
  const shard = compiled(text);
  assert.ok(!(shard instanceof RoutingFormatError));
  assert.deepEqual(shard.pool.route(shard.numbers.routeIdOf('+8551')), { type: 'local', enabled: true, account: 'kampot', voice: { url: 'https://a.example/v', method: 'POST' } });
});

test('a rejection names the number and what is wrong with it', () => {
  const error = compiled(shardText({ '+8551': { type: 'local', enabled: true }, '+8552': { type: 'landline', enabled: true } }));
  assert.ok(error instanceof RoutingFormatError);
  assert.match(error.message, /numbers\["\+8552"\]: type must be one of local, mobile, tollFree, shortCode/);
  const missing = compiled(shardText({ '+8551': { type: 'local', enabled: true, voice: { url: 'https://a.example/' } } }));
  assert.ok(missing instanceof RoutingFormatError);
  assert.match(missing.message, /numbers\["\+8551"\]: voice\.method is missing/);
});

test('a number or account in a shard its hash does not name is refused', () => {
  const place = (index: number) => ({ index, count: 4, carrier: 'mekong', sha256: 'test' });
  const text = (index: number, numbers: Record<string, unknown>, accounts: Record<string, unknown> = {}) =>
    JSON.stringify({ format: routingFormat, carrier: 'mekong', index, ...(index === 0 ? { core } : {}), accounts, numbers });
  // fnv1a("+8551") % 4 is 3 (the operator's shardIndex puts it there).
  assert.doesNotThrow(() => compileShard(text(3, { '+8551': { type: 'local', enabled: true } }), place(3), { pool: new InternPool(), builder: new NumberIndexBuilder(), refs: new RouteRefs() }));
  assert.throws(() => compileShard(text(1, { '+8551': { type: 'local', enabled: true } }), place(1), { pool: new InternPool(), builder: new NumberIndexBuilder(), refs: new RouteRefs() }), /numbers\["\+8551"\]: belongs in shard 3/);
  assert.throws(() => compileShard(text(1, {}, { kampot: { sid: 'AC1', enabled: true } }), place(1), { pool: new InternPool(), builder: new NumberIndexBuilder(), refs: new RouteRefs() }), /accounts\["kampot"\]: belongs in shard/);
  assert.throws(() => compileShard(text(3, {}), place(2), { pool: new InternPool(), builder: new NumberIndexBuilder(), refs: new RouteRefs() }), /says it is shard 3/);
});

test('a raw control character in any string is refused, as JSON.parse refuses it, though plain text is not searched for them whole', () => {
  const route = { type: 'local', enabled: true, account: 'kampot', voice: { url: 'https://a.example/v', method: 'POST' } };
  // Where the character goes: each key and string value a reader keeps, compares or skips.
  const places = ['+8551', '"type"', '"local"', '"account"', 'kampot', '"voice"', 'https://a.example/v', '"method"', '"POST"', '"format"', '"accounts"'];
  for (const control of ['\u0001', '\n', '\t', '\u001f']) {
    // The same route first intact, so the interned account and URL are known before the damaged copy.
    const intact = shardText({ '+8552': route, '+8551': { ...route, extra: 1, voice: { ...route.voice, extra: 2 } } });
    // The unknown field of the route (first) and of its webhook (last).
    const positions = [...places.map((place) => [place, intact.lastIndexOf(place) + Math.floor(place.length / 2)] as const), ['the route\'s "extra"', intact.indexOf('"extra"') + 3] as const, ['the webhook\'s "extra"', intact.lastIndexOf('"extra"') + 3] as const];
    for (const [place, at] of positions) {
      const damaged = intact.slice(0, at) + control + intact.slice(at);
      assert.equal(assertSameReading(damaged), false, `${JSON.stringify(control)} in ${place} accepted`);
    }
    // And in a string never seen before, in a shard whose other strings are all known.
    const fresh = shardText({ '+8552': route, '+8551': { ...route, account: `kam${control}pot` } });
    assert.equal(assertSameReading(fresh.replaceAll('\\u0001', '\u0001').replaceAll('\\n', '\n').replaceAll('\\t', '\t').replaceAll('\\u001f', '\u001f')), false, `${JSON.stringify(control)} in a new account accepted`);
  }
});
