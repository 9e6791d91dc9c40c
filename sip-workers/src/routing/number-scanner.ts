// Reads a shard's "numbers" object straight into a NumberIndex, with no object built per number,
// and its "routes" dictionary into route ids. A number names a shared route by key (left pending
// in RouteRefs) or carries its route in place; a route in place seen before is found by its exact
// text, a new one is checked against the numberRoute schema field by field and interned. It
// accepts exactly what the routingShard schema accepts (unknown fields are skipped as zod strips
// them); a test holds it to that against zod on generated and corrupted entries.
import { numberTypes, webhookCode, webhookMethods, type InternPool, type RouteFields } from './intern-pool.ts';
import type { JsonCursor } from './json-cursor.ts';
import { numberKey, type NumberIndex, type NumberIndexBuilder } from './number-index.ts';
import { pendingRef, type RouteRefs } from './route-refs.ts';
import { RoutingFormatError } from './routing-format-error.ts';
import { shardOf } from './shard-placement.ts';

export interface NumberScan {
  pool: InternPool;
  builder: NumberIndexBuilder;
  /** Where a number naming its route by key leaves the key until every shard is read. */
  refs: RouteRefs;
  /** The shard being read and how many there are: every number must hash to this shard. */
  shard: number;
  shardCount: number;
}

const quote = 0x22;
const openBrace = 0x7b;
const closeBrace = 0x7d;
const colon = 0x3a;

const routeFieldNames = ['type', 'enabled', 'account', 'voice', 'fallback', 'statusCallback'] as const;
const [typeField, enabledField, accountField, voiceField, fallbackField, statusCallbackField] = [0, 1, 2, 3, 4, 5];

/** Which known field the last string names, or -1. */
function fieldOf(cursor: JsonCursor, names: readonly string[]): number {
  for (let i = 0; i < names.length; i++) if (cursor.stringIs(names[i] ?? '')) return i;
  return -1;
}

function internString(cursor: JsonCursor, pool: InternPool): number {
  cursor.string();
  if (cursor.escaped) return pool.strings.intern(cursor.stringValue());
  try {
    return pool.strings.internQuoted(cursor.text, cursor.stringStart, cursor.stringEnd);
  } catch (error) {
    // A string seen for the first time is decoded by JSON.parse: that is where a control
    // character in plain text shows (a string found interned already passed it).
    cursor.checkContent();
    throw error;
  }
}

function scanWebhook(cursor: JsonCursor, pool: InternPool, name: string): number {
  let url = -1;
  let method = -1;
  cursor.expect(openBrace);
  if (cursor.peek() === closeBrace) cursor.pos++;
  else {
    do {
      cursor.string();
      const field = cursor.stringIs('url') ? 0 : cursor.stringIs('method') ? 1 : -1;
      if (field < 0) cursor.checkContent();
      cursor.expect(colon);
      if (field === 0) url = internString(cursor, pool);
      else if (field === 1) {
        cursor.string();
        method = fieldOf(cursor, webhookMethods);
        if (method < 0) cursor.fail(`${name}.method must be POST or GET`);
      } else cursor.value();
    } while (cursor.more(closeBrace));
  }
  if (url < 0) cursor.fail(`${name}.url is missing`);
  if (method < 0) cursor.fail(`${name}.method is missing`);
  return webhookCode(url, method);
}

function scanRoute(cursor: JsonCursor, pool: InternPool, fields: RouteFields): number {
  let enabled: boolean | undefined;
  fields.type = fields.account = fields.voice = fields.fallback = fields.statusCallback = -1;
  cursor.expect(openBrace);
  if (cursor.peek() === closeBrace) cursor.pos++;
  else {
    do {
      cursor.string();
      const field = fieldOf(cursor, routeFieldNames);
      if (field < 0) cursor.checkContent();
      cursor.expect(colon);
      if (field === typeField) {
        cursor.string();
        fields.type = fieldOf(cursor, numberTypes);
        if (fields.type < 0) cursor.fail(`type must be one of ${numberTypes.join(', ')}`);
      } else if (field === enabledField) enabled = cursor.boolean();
      else if (field === accountField) fields.account = internString(cursor, pool);
      else if (field === voiceField) fields.voice = scanWebhook(cursor, pool, 'voice');
      else if (field === fallbackField) fields.fallback = scanWebhook(cursor, pool, 'fallback');
      else if (field === statusCallbackField) fields.statusCallback = scanWebhook(cursor, pool, 'statusCallback');
      else cursor.value();
    } while (cursor.more(closeBrace));
  }
  if (fields.type < 0) cursor.fail('type is missing');
  if (enabled === undefined) cursor.fail('enabled is missing');
  fields.enabled = enabled;
  return pool.routeId(fields);
}

/** Looks the route text up before parsing it; a parsed route's text is remembered while that pays. */
function routeAt(cursor: JsonCursor, pool: InternPool, fields: RouteFields): number {
  cursor.skipWhitespace();
  const start = cursor.pos;
  const memo = pool.routeTexts;
  const end = cursor.plain && memo.worthIt() ? cursor.objectEnd() : -1;
  if (end < 0) return scanRoute(cursor, pool, fields);
  const text = cursor.text.slice(start, end);
  const known = memo.get(text);
  if (known !== undefined) {
    cursor.pos = end;
    return known;
  }
  const routeId = scanRoute(cursor, pool, fields);
  if (cursor.pos === end) memo.remember(text, routeId);
  return routeId;
}

let placed = 0;

/**
 * numberKey and placementHash of text[start, end) in one pass, the hash left in `placed`: this
 * runs once per number. (Returns 0 when the text is no encodable number; the hash is complete.)
 */
function placeKey(text: string, start: number, end: number): number {
  let hash = 0x811c9dc5;
  let key = 1;
  let digits = 0;
  for (let pos = start; pos < end; pos++) {
    const c = text.charCodeAt(pos);
    hash = Math.imul(hash ^ c, 0x01000193);
    const digit = c - 0x30;
    if (digit >= 0 && digit <= 9) {
      key = key * 10 + digit;
      digits++;
    } else if (c === 0x2b && pos === start) key = 2;
    else key = -1;
  }
  placed = hash >>> 0;
  return key > 0 && digits > 0 && digits <= 15 ? key : 0;
}

/** The routeKey schema's pattern, for the dictionary's keys (few, each read once). */
const routeKeyPattern = /^[0-9a-f]{16}$/;

/** A number's value: the key of a route in some shard's dictionary (pending until all are read), or the route itself. */
function numberValue(cursor: JsonCursor, scan: NumberScan, fields: RouteFields): number {
  if (cursor.peek() !== quote) return routeAt(cursor, scan.pool, fields);
  cursor.string();
  const decoded = cursor.escaped ? cursor.stringValue() : undefined;
  const ref = decoded === undefined ? scan.refs.refer(cursor.text, cursor.stringStart, cursor.stringEnd) : scan.refs.refer(decoded, 0, decoded.length);
  if (ref < 0) cursor.fail('a route key is 16 hex digits');
  return pendingRef(ref);
}

/**
 * Reads the routes dictionary at the cursor: route key → route id. Its routes are distinct by
 * construction, so the route-text memo is not consulted. Throws RoutingFormatError naming the key.
 */
export function scanRoutes(cursor: JsonCursor, pool: InternPool, shard: number, shardCount: number): Map<string, number> {
  const routes = new Map<string, number>();
  const fields: RouteFields = { type: -1, enabled: false, account: -1, voice: -1, fallback: -1, statusCallback: -1 };
  let key = '';
  try {
    cursor.expect(openBrace);
    if (cursor.peek() === closeBrace) {
      cursor.pos++;
      return routes;
    }
    do {
      cursor.string();
      key = cursor.stringValue();
      if (!routeKeyPattern.test(key)) cursor.fail('a route key is 16 hex digits');
      if (shardOf(key, shardCount) !== shard) cursor.fail(`belongs in shard ${shardOf(key, shardCount)}`);
      cursor.expect(colon);
      routes.set(key, scanRoute(cursor, pool, fields));
    } while (cursor.more(closeBrace));
    return routes;
  } catch (error) {
    if (!(error instanceof RoutingFormatError)) throw error;
    throw new RoutingFormatError(`routes["${key}"]: ${error.message}`);
  }
}

/** Reads the object at the cursor; throws RoutingFormatError naming the number at fault. */
export function scanNumbers(cursor: JsonCursor, scan: NumberScan): NumberIndex {
  const { builder, shard, shardCount } = scan;
  const fields: RouteFields = { type: -1, enabled: false, account: -1, voice: -1, fallback: -1, statusCallback: -1 };
  const text = cursor.text;
  let number = '';
  let keyStart = 0;
  let keyEnd = 0;
  try {
    cursor.expect(openBrace);
    if (cursor.peek() === closeBrace) {
      cursor.pos++;
      return builder.build();
    }
    do {
      number = '';
      cursor.string();
      keyStart = cursor.stringStart;
      keyEnd = cursor.stringEnd;
      let key: number;
      if (cursor.escaped) {
        number = cursor.stringValue();
        placeKey(number, 0, number.length);
        key = numberKey(number);
      } else key = placeKey(text, keyStart, keyEnd);
      if (placed % shardCount !== shard) cursor.fail(`belongs in shard ${placed % shardCount}`);
      if (key === 0 && !cursor.escaped) number = cursor.stringValue();
      cursor.expect(colon);
      const routeId = numberValue(cursor, scan, fields);
      if (key === 0) builder.addOther(number, routeId);
      else builder.add(key, routeId);
    } while (cursor.more(closeBrace));
    return builder.build();
  } catch (error) {
    builder.reset();
    if (!(error instanceof RoutingFormatError)) throw error;
    const label = number || text.slice(keyStart, Math.min(keyEnd, keyStart + 40));
    throw new RoutingFormatError(`numbers["${label}"]: ${error.message}`);
  }
}
