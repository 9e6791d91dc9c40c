// Route ids by the exact JSON text of the route. Operator-written shards repeat a few thousand
// route texts a million times, so most numbers cost one native hash and compare instead of a
// parse. Where numbers do not repeat (every one with its own webhook) looking up is wasted work,
// so the memo stops being consulted once it misses far more than it hits, and it never grows
// past a bound.
const limit = 50_000;
/** Misses allowed before the hit rate is judged. */
const trial = 10_000;

/** A copy that shares no memory with the shard text (a slice would keep all of it alive). */
const detached = (text: string) => Buffer.from(text, 'utf16le').toString('utf16le');

export class RouteTextMemo {
  private readonly ids = new Map<string, number>();
  private hits = 0;
  private misses = 0;

  /** Whether a lookup is likely to pay for itself. */
  worthIt(): boolean {
    return this.misses < trial || this.hits >= this.misses;
  }

  get(text: string): number | undefined {
    const id = this.ids.get(text);
    if (id === undefined) this.misses++;
    else this.hits++;
    return id;
  }

  remember(text: string, routeId: number): void {
    if (this.ids.size < limit) this.ids.set(detached(text), routeId);
  }
}
