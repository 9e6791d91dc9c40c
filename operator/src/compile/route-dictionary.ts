// The routes a carrier's numbers use, counted by the numbers using each. A route two or more numbers
// share is stored once, under a key derived from its JSON text: a shard lists number → key and
// holds the shared routes whose keys hash to it. A million numbers pointing at a few thousand apps
// then cost their keys, not a million copies of the same webhook JSON for every worker to hash,
// read and keep. A route only one number uses is written in place, where a key would only add
// bytes, and an edit giving a number a webhook of its own rewrites one shard, not three.
//
// Keys are 64 bits of sha256: two texts sharing one is improbable but can be arranged by whoever
// writes webhook URLs, so a key two shared texts have is used by neither, and their numbers carry
// their routes in place. What is keyed depends only on the live numbers, never on the order they
// came in, so the output stays that of a fresh compile.
import { createHash } from 'node:crypto';
import type { NumberRoute } from '../../../api/routing/schema.ts';

export const routeKeyOf = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);

interface Entry {
  route: NumberRoute;
  /** The numbers using the route. */
  holders: Set<string>;
  /** Computed once the route is shared. */
  key: string | undefined;
}

/** What a change did, for the shards that must be written again. */
export interface DictionaryChange {
  /** A key that entered the dictionary (added) or left it. */
  key?: string;
  route?: NumberRoute;
  added?: boolean;
  /** Other numbers whose written value changed (their route moved into or out of the dictionary). */
  others?: Iterable<string>;
  /** Some key became or stopped being had by two shared texts: every shard may change. */
  collision: boolean;
}

const unchanged: DictionaryChange = { collision: false };
/** `"key":` plus its text and a comma, in a shard's routes record. */
const recordLength = (text: string) => 20 + text.length;
/** What a route used by `users` numbers takes in the shards: in place, or its keys and the shared record. */
const lengthFor = (text: string, users: number) => (users === 0 ? 0 : users === 1 ? text.length : recordLength(text) + 18 * users);

export class RouteDictionary {
  private readonly byText = new Map<string, Entry>();
  /** Key → how many shared texts have it. */
  private readonly sharedPerKey = new Map<string, number>();
  private readonly keyOf: (text: string) => string;
  /** The routes' bytes in the shards (in place or keyed and recorded), for sizing them. */
  bytes = 0;

  constructor(keyOf: (text: string) => string = routeKeyOf) {
    this.keyOf = keyOf;
  }

  clear(): void {
    this.byText.clear();
    this.sharedPerKey.clear();
    this.bytes = 0;
  }

  /** `number` now uses this route. */
  use(text: string, route: NumberRoute, number: string): DictionaryChange {
    let entry = this.byText.get(text);
    if (!entry) {
      entry = { route, holders: new Set(), key: undefined };
      this.byText.set(text, entry);
    }
    this.bytes += lengthFor(text, entry.holders.size + 1) - lengthFor(text, entry.holders.size);
    entry.holders.add(number);
    if (entry.holders.size !== 2) return unchanged;
    const others = [...entry.holders].filter((holder) => holder !== number);
    // Shared from now on: into the dictionary, and the number that had it alone names it by key too.
    entry.key ??= this.keyOf(text);
    const texts = (this.sharedPerKey.get(entry.key) ?? 0) + 1;
    this.sharedPerKey.set(entry.key, texts);
    if (texts > 1) return { collision: texts === 2, others };
    return { key: entry.key, route: entry.route, added: true, others, collision: false };
  }

  /** `number` no longer uses this route. */
  release(text: string, number: string): DictionaryChange {
    const entry = this.byText.get(text);
    if (!entry?.holders.delete(number)) return unchanged;
    const users = entry.holders.size;
    this.bytes -= lengthFor(text, users + 1) - lengthFor(text, users);
    if (users === 0) this.byText.delete(text);
    if (users !== 1 || entry.key === undefined) return unchanged;
    // No longer shared: out of the dictionary, and the number left with it carries it in place.
    const texts = (this.sharedPerKey.get(entry.key) ?? 1) - 1;
    if (texts === 0) this.sharedPerKey.delete(entry.key);
    else this.sharedPerKey.set(entry.key, texts);
    const others = [...entry.holders];
    if (texts > 0) return { collision: texts === 1, others };
    return { key: entry.key, route: entry.route, added: false, others, collision: false };
  }

  /** The key a number with this route refers to, or undefined when the route goes in place. */
  keyFor(text: string): string | undefined {
    const entry = this.byText.get(text);
    return entry && entry.holders.size > 1 && entry.key !== undefined && this.sharedPerKey.get(entry.key) === 1 ? entry.key : undefined;
  }

  routeOf(text: string): NumberRoute | undefined {
    return this.byText.get(text)?.route;
  }

  /** Every [key, route] in the dictionary: shared routes whose keys no other shared route has. */
  *entries(): Generator<[string, NumberRoute]> {
    for (const [text, entry] of this.byText) {
      const key = this.keyFor(text);
      if (key !== undefined) yield [key, entry.route];
    }
  }
}
