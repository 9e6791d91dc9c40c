// Answers to RFC 3263's DNS questions, kept for a while. node:dns caches nothing (Node leaves
// c-ares's query cache off), so without this every call to a trunk named by DNS first waited for
// its NAPTR, SRV and address questions (in a cluster, for each search domain tried before the
// name itself too), and a DNS outage failed every such call at once.
//
// An answer, "no such record" included (RFC 2308), is used for `freshMs`. After that the next
// call asks again; if DNS then fails or times out, the last answer keeps serving for up to
// `staleMs` (RFC 8767 §4), without asking again for `recheckMs` so calls do not each wait
// through the resolver's timeout first. Calls asking the same question at once share one
// lookup. node:dns gives no TTL for SRV and NAPTR answers, so one lifetime serves every type.
import type { SipDns } from './sip-dns.ts';

export interface DnsCacheOptions {
  freshMs: number;
  /** How long past `freshMs` an answer still serves while DNS fails (RFC 8767 suggests 1 to 3 days; a trunk's servers move more often). */
  staleMs?: number;
  /** After a failed refresh, how long stale answers serve before DNS is asked again (RFC 8767's failure recheck, 30 s). */
  recheckMs?: number;
  /** Questions kept at most (names come from webhooks' <Sip> URIs too); the least recently looked up go first. */
  maxEntries?: number;
  now?: () => number;
  /** Where each answer came from, for the metric. */
  onAnswer?: (type: DnsQuestionType, source: DnsAnswerSource) => void;
}

export type DnsQuestionType = 'naptr' | 'srv' | 'addresses';
/** cached: fresh from the cache; looked-up: asked DNS; stale: DNS failed, an expired answer served; failed: DNS failed and nothing kept. */
export type DnsAnswerSource = 'cached' | 'looked-up' | 'stale' | 'failed';

interface Entry {
  records: readonly unknown[];
  fetchedAt: number;
  /** When a refresh last failed: stale answers serve without asking until recheckMs after. */
  failedAt?: number;
}

/** SWITCHYARD_DNS_CACHE_SECONDS's default. */
export const DEFAULT_DNS_CACHE_MS = 30_000;
export const DEFAULT_DNS_STALE_MS = 60 * 60_000;
const DEFAULT_RECHECK_MS = 30_000;
const DEFAULT_MAX_ENTRIES = 10_000;

export function cachingSipDns(inner: SipDns, options: DnsCacheOptions): SipDns {
  const now = options.now ?? Date.now;
  const staleMs = options.staleMs ?? DEFAULT_DNS_STALE_MS;
  const recheckMs = options.recheckMs ?? DEFAULT_RECHECK_MS;
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const entries = new Map<string, Entry>();
  const inFlight = new Map<string, Promise<readonly unknown[]>>();
  /** Fresh: used without asking. Servable: still usable while DNS fails. */
  const fresh = (entry: Entry) => now() - entry.fetchedAt < options.freshMs;
  const servable = (entry: Entry) => now() - entry.fetchedAt < options.freshMs + staleMs;

  const keep = (key: string, entry: Entry) => {
    entries.delete(key);
    entries.set(key, entry);
    for (const oldest of entries.keys()) {
      if (entries.size <= maxEntries) break;
      entries.delete(oldest);
    }
  };

  const lookUp = (type: DnsQuestionType, key: string, ask: () => Promise<readonly unknown[]>): Promise<readonly unknown[]> => {
    const started = ask().then(
      (records) => {
        keep(key, { records, fetchedAt: now() });
        options.onAnswer?.(type, 'looked-up');
        return records;
      },
      (error: unknown) => {
        const kept = entries.get(key);
        if (kept && servable(kept)) {
          kept.failedAt = now();
          options.onAnswer?.(type, 'stale');
          return kept.records;
        }
        options.onAnswer?.(type, 'failed');
        throw error;
      },
    ).finally(() => inFlight.delete(key));
    inFlight.set(key, started);
    return started;
  };

  function answer<T>(type: DnsQuestionType, name: string, ask: () => Promise<T[]>): Promise<T[]> {
    const key = `${type} ${name.toLowerCase()}`;
    const kept = entries.get(key);
    if (kept && fresh(kept)) {
      options.onAnswer?.(type, 'cached');
      return Promise.resolve([...kept.records] as T[]);
    }
    // DNS failed lately: the expired answer serves until the recheck is due.
    if (kept?.failedAt !== undefined && now() - kept.failedAt < recheckMs && servable(kept)) {
      options.onAnswer?.(type, 'stale');
      return Promise.resolve([...kept.records] as T[]);
    }
    const pending = inFlight.get(key) ?? lookUp(type, key, ask);
    // Each caller gets its own copy: the locator sorts and shuffles what it is given.
    return pending.then((records) => [...records] as T[]);
  }

  return {
    naptr: (name) => answer('naptr', name, () => inner.naptr(name)),
    srv: (name) => answer('srv', name, () => inner.srv(name)),
    addresses: (name) => answer('addresses', name, () => inner.addresses(name)),
  };
}
