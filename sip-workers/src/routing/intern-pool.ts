// Shared values of number routes. A million numbers usually point at a few thousand distinct
// (type, enabled, account, webhooks) combinations, so each number stores only the id of its
// combination and every combination exists once, frozen, as the NumberRoute the router reads.
// A pool lives across generations (unchanged shards keep their ids); the assembler starts a
// fresh one when dropped entries outnumber the ones still in use.
import type { NumberRoute, Webhook } from '../../../api/routing/schema.ts';
import type { NumberIndex } from './number-index.ts';
import { StringInterner } from './string-interner.ts';

export const numberTypes = ['local', 'mobile', 'tollFree', 'shortCode'] as const;
export const webhookMethods = ['POST', 'GET'] as const;

/** A route's fields as pool ids; -1 where the field is absent. */
export interface RouteFields {
  type: number;
  enabled: boolean;
  account: number;
  voice: number;
  fallback: number;
  statusCallback: number;
}

const width = 5;

/** Below this many dropped entries a pool is never worth rebuilding. */
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
  readonly webhooks: Webhook[] = [];
  readonly routes: NumberRoute[] = [];
  /** The url id of each webhook, for liveness counts. */
  readonly webhookUrls: number[] = [];
  /**
   * Route ids by the route's exact JSON text. Operator-written shards repeat a few thousand route
   * texts a million times, so most numbers cost one hash and compare instead of a parse. Bounded
   * by the scanner: where every number has its own webhook it would only fill up.
   */
  readonly routeTexts = new Map<string, number>();
  private readonly webhookIds = new Map<number, number>();
  /** Each route's fields, `width` ints per route: type * 2 + enabled, account, voice, fallback, statusCallback. */
  private rows = new Int32Array(1024 * width);
  private slots = new Int32Array(2048);
  private mask = 2047;

  webhook(url: number, method: number): number {
    const key = url * 2 + method;
    const known = this.webhookIds.get(key);
    if (known !== undefined) return known;
    const id = this.webhooks.length;
    this.webhooks.push(Object.freeze({ url: this.strings.values[url] ?? '', method: webhookMethods[method] ?? 'POST' }));
    this.webhookUrls.push(url);
    this.webhookIds.set(key, id);
    return id;
  }

  route(fields: RouteFields): number {
    const head = fields.type * 2 + (fields.enabled ? 1 : 0);
    const hash = rowHash(head, fields.account, fields.voice, fields.fallback, fields.statusCallback);
    const rows = this.rows;
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const entry = this.slots[slot] ?? 0;
      if (entry === 0) return this.addRoute(fields, head, slot);
      const row = (entry - 1) * width;
      if (rows[row] === head && rows[row + 1] === fields.account && rows[row + 2] === fields.voice && rows[row + 3] === fields.fallback && rows[row + 4] === fields.statusCallback) return entry - 1;
    }
  }

  /**
   * Whether entries no longer used by these indexes (numbers deleted or re-pointed over many
   * generations) outnumber the ones in use, so the pool should be rebuilt from scratch.
   */
  mostlyGarbage(indexes: Iterable<NumberIndex>): boolean {
    if (this.routes.length <= toleratedGarbage && this.strings.size <= toleratedGarbage) return false;
    const liveRoutes = new Uint8Array(this.routes.length);
    for (const index of indexes) index.markRoutes(liveRoutes);
    const liveStrings = new Uint8Array(this.strings.size);
    let routes = 0;
    let strings = 0;
    const markString = (id: number) => {
      if (id >= 0 && liveStrings[id] === 0) {
        liveStrings[id] = 1;
        strings++;
      }
    };
    liveRoutes.forEach((live, id) => {
      if (!live) return;
      routes++;
      const row = id * width;
      markString(this.rows[row + 1] ?? -1);
      for (let field = 2; field < width; field++) {
        const webhook = this.rows[row + field] ?? -1;
        if (webhook >= 0) markString(this.webhookUrls[webhook] ?? -1);
      }
    });
    return this.routes.length - routes > Math.max(routes, toleratedGarbage) || this.strings.size - strings > Math.max(strings, toleratedGarbage);
  }

  private addRoute(fields: RouteFields, head: number, slot: number): number {
    const id = this.routes.length;
    const webhook = (webhookId: number) => this.webhooks[webhookId];
    const route: NumberRoute = { type: numberTypes[fields.type] ?? 'local', enabled: fields.enabled };
    if (fields.account >= 0) route.account = this.strings.values[fields.account];
    if (fields.voice >= 0) route.voice = webhook(fields.voice);
    if (fields.fallback >= 0) route.fallback = webhook(fields.fallback);
    if (fields.statusCallback >= 0) route.statusCallback = webhook(fields.statusCallback);
    this.routes.push(Object.freeze(route));
    if ((id + 1) * width > this.rows.length) {
      const rows = new Int32Array(this.rows.length * 2);
      rows.set(this.rows);
      this.rows = rows;
    }
    const row = id * width;
    this.rows[row] = head;
    this.rows[row + 1] = fields.account;
    this.rows[row + 2] = fields.voice;
    this.rows[row + 3] = fields.fallback;
    this.rows[row + 4] = fields.statusCallback;
    this.slots[slot] = id + 1;
    if (this.routes.length * 2 > this.slots.length) this.rehash();
    return id;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    this.mask = this.slots.length - 1;
    const rows = this.rows;
    for (let id = 0; id < this.routes.length; id++) {
      const row = id * width;
      const hash = rowHash(rows[row] ?? 0, rows[row + 1] ?? 0, rows[row + 2] ?? 0, rows[row + 3] ?? 0, rows[row + 4] ?? 0);
      let slot = hash & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = id + 1;
    }
  }
}
