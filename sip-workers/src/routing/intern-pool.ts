// Shared values of number routes. Each distinct (type, enabled, account, webhooks) combination is
// one row of five integers, strings (account names, webhook URLs) are interned once, and a number
// stores only its row id. No object exists per route: route(id) builds the NumberRoute when a call
// asks, so a carrier whose every number has its own webhook costs a string and a row per number,
// not a graph of objects. A pool lives across generations (unchanged shards keep their ids); the
// assembler starts a fresh one when dropped rows outnumber the ones still in use.
import type { NumberRoute, Webhook } from '../../../api/routing/schema.ts';
import type { NumberIndex } from './number-index.ts';
import { doubled, rehashed } from './open-addressing.ts';
import { RouteTextMemo } from './route-text-memo.ts';
import { StringInterner } from './string-interner.ts';

export const numberTypes = ['local', 'mobile', 'tollFree', 'shortCode'] as const;
export const webhookMethods = ['POST', 'GET'] as const;

/** A route's fields: string ids, webhooks as webhookCode(url id, method); -1 where absent. */
export interface RouteFields {
  type: number;
  enabled: boolean;
  account: number;
  voice: number;
  fallback: number;
  statusCallback: number;
}

export const webhookCode = (url: number, method: number): number => url * 2 + method;

const width = 5;

/** Below this many dropped rows or strings a pool is never worth rebuilding. */
const toleratedGarbage = 10_000;

function rowHash(head: number, account: number, voice: number, fallback: number, statusCallback: number): number {
  let hash = Math.imul(head ^ 0x2545f491, 0x9e3779b1);
  hash = Math.imul(hash ^ account, 0x85ebca6b);
  hash = Math.imul(hash ^ voice, 0xc2b2ae35);
  hash = Math.imul(hash ^ fallback, 0x27d4eb2f);
  hash = Math.imul(hash ^ statusCallback, 0x165667b1);
  return hash ^ (hash >>> 15);
}

export class InternPool {
  readonly strings = new StringInterner();
  /** Route ids by their JSON text, to skip parsing routes seen before. */
  readonly routeTexts = new RouteTextMemo();
  /** Each route's fields, `width` ints per row: type * 2 + enabled, account, voice, fallback, statusCallback. */
  private rows = new Int32Array(1024 * width);
  private count = 0;
  private slots = new Int32Array(2048);
  private mask = 2047;

  get routeCount(): number {
    return this.count;
  }

  /** The id of the row holding these fields, added when new. */
  routeId(fields: RouteFields): number {
    const head = fields.type * 2 + (fields.enabled ? 1 : 0);
    const hash = rowHash(head, fields.account, fields.voice, fields.fallback, fields.statusCallback);
    const rows = this.rows;
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const entry = this.slots[slot] ?? 0;
      if (entry === 0) return this.addRow(fields, head, slot);
      const row = (entry - 1) * width;
      if (rows[row] === head && rows[row + 1] === fields.account && rows[row + 2] === fields.voice && rows[row + 3] === fields.fallback && rows[row + 4] === fields.statusCallback) return entry - 1;
    }
  }

  /** A fresh NumberRoute for a row: the caller may keep or change it without touching the table. */
  route(id: number): NumberRoute {
    const rows = this.rows;
    const row = id * width;
    const head = rows[row] ?? 0;
    const route: NumberRoute = { type: numberTypes[head >> 1] ?? 'local', enabled: (head & 1) === 1 };
    const account = rows[row + 1] ?? -1;
    if (account >= 0) route.account = this.strings.values[account];
    const voice = this.webhook(rows[row + 2] ?? -1);
    if (voice) route.voice = voice;
    const fallback = this.webhook(rows[row + 3] ?? -1);
    if (fallback) route.fallback = fallback;
    const statusCallback = this.webhook(rows[row + 4] ?? -1);
    if (statusCallback) route.statusCallback = statusCallback;
    return route;
  }

  /**
   * Whether rows and strings no longer used by these indexes (numbers deleted or re-pointed over
   * many generations) outnumber the ones in use, so the pool should be rebuilt from scratch.
   */
  mostlyGarbage(indexes: Iterable<NumberIndex>): boolean {
    if (this.count <= toleratedGarbage && this.strings.size <= toleratedGarbage) return false;
    const liveRows = new Uint8Array(this.count);
    for (const index of indexes) index.markRoutes(liveRows);
    const liveStrings = new Uint8Array(this.strings.size);
    let rows = 0;
    let strings = 0;
    const mark = (id: number) => {
      if (id >= 0 && liveStrings[id] === 0) {
        liveStrings[id] = 1;
        strings++;
      }
    };
    liveRows.forEach((live, id) => {
      if (!live) return;
      rows++;
      const row = id * width;
      mark(this.rows[row + 1] ?? -1);
      for (let field = 2; field < width; field++) mark((this.rows[row + field] ?? -1) >> 1);
    });
    return this.count - rows > Math.max(rows, toleratedGarbage) || this.strings.size - strings > Math.max(strings, toleratedGarbage);
  }

  private webhook(code: number): Webhook | undefined {
    return code < 0 ? undefined : { url: this.strings.values[code >> 1] ?? '', method: webhookMethods[code & 1] ?? 'POST' };
  }

  private addRow(fields: RouteFields, head: number, slot: number): number {
    const id = this.count++;
    if (this.count * width > this.rows.length) {
      this.rows = doubled(this.rows);
    }
    const row = id * width;
    this.rows[row] = head;
    this.rows[row + 1] = fields.account;
    this.rows[row + 2] = fields.voice;
    this.rows[row + 3] = fields.fallback;
    this.rows[row + 4] = fields.statusCallback;
    this.slots[slot] = id + 1;
    if (this.count * 2 > this.slots.length) this.rehash();
    return id;
  }

  private rehash(): void {
    const rows = this.rows;
    this.slots = rehashed(this.slots, this.count, (id) => {
      const row = id * width;
      return rowHash(rows[row] ?? 0, rows[row + 1] ?? 0, rows[row + 2] ?? 0, rows[row + 3] ?? 0, rows[row + 4] ?? 0);
    });
    this.mask = this.slots.length - 1;
  }
}
