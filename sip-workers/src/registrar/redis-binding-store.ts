// Bindings in Redis, shared by every worker replica of a carrier. Each update or lookup is one Lua
// script on one key (binding-scripts.ts), so it is atomic and works on a Redis Cluster too. The
// client does not queue commands while disconnected: a REGISTER gets 503 at once rather than
// waiting for a Redis that may not come back before the phone gives up.
import { z } from 'zod';
import type { WorkerLogger } from '../worker/logger.ts';
import { answerWithin, watchAvailability, workerRedisClient } from '../worker/redis-connection.ts';
import type { AddressOfRecord, CurrentBinding, Flow } from './binding.ts';
import { LOOKUP_BINDINGS, REMOVE_FLOW_BINDINGS, UPDATE_BINDINGS, WITHDRAW_EDGE } from './binding-scripts.ts';
import { BindingStoreUnavailable } from './binding-store.ts';
import type { BindingStore, BindingUpdate, UpdateResult } from './binding-store.ts';

export interface RedisBindingStoreOptions {
  /** redis://[[user]:password@]host[:port][/db] or rediss:// for TLS. */
  url: string;
  /** Every AOR's key starts with this, so several platforms can share one Redis. */
  keyPrefix?: string;
  /** Every replica's presence key starts with this. */
  edgeKeyPrefix?: string;
  /** A script unanswered this long fails as unavailable. Default 1000 ms. */
  timeoutMs?: number;
  log: WorkerLogger;
}

// What the scripts return, parsed at the boundary: another worker version may have written the hash.
const storedBinding = z.object({
  id: z.string(),
  contact: z.string(),
  uri: z.string(),
  q: z.number().min(0).max(1).optional(),
  callId: z.string(),
  cseq: z.number().int(),
  flow: z.object({ transport: z.enum(['udp', 'tcp', 'tls']), address: z.string(), port: z.number().int(), edge: z.string() }),
  natted: z.boolean(),
  instance: z.string().optional(),
  regId: z.number().int().optional(),
  push: z.object({ provider: z.string(), prid: z.string().optional(), param: z.string().optional() }).optional(),
  userAgent: z.string().optional(),
  expiresInMs: z.number(),
});

// cjson writes an empty Lua table as {}, so an AOR without bindings comes back as an object.
const bindingList = z.union([z.array(z.unknown()), z.object({}).transform(() => [])]);
const scriptReply = z.union([
  z.object({ bindings: bindingList, removed: z.number().int().optional() }),
  z.object({ error: z.enum(['out-of-order', 'too-many-bindings']), id: z.string().optional() }),
]);

export class RedisBindingStore implements BindingStore {
  readonly #client;
  readonly #prefix: string;
  readonly #edgePrefix: string;
  readonly #timeoutMs: number;
  readonly #log: WorkerLogger;
  readonly #sha = new Map<string, string>();
  readonly #connected: Promise<void>;

  constructor(options: RedisBindingStoreOptions) {
    this.#prefix = options.keyPrefix ?? 'switchyard:bindings:';
    this.#edgePrefix = options.edgeKeyPrefix ?? 'switchyard:edges:';
    this.#timeoutMs = options.timeoutMs ?? 1000;
    this.#log = options.log;
    this.#client = workerRedisClient(options.url);
    watchAvailability(this.#client, this.#log, { unavailable: 'registrar store (Redis) unavailable; REGISTER gets 503 until it is back', available: 'registrar store (Redis) available again' });
    // Not awaited here: a worker starts (and serves calls) while Redis is still on its way.
    this.#connected = this.#client.connect().then(
      () => undefined,
      (error: unknown) => this.#log.warn({ err: error }, 'registrar store (Redis) connect failed'),
    );
  }

  /** Resolves once the first connection is up (the client keeps retrying until then). */
  ready(): Promise<void> {
    return this.#connected;
  }

  /** The key of an AOR's hash. Domains are DNS names and usernames cannot hold ':', so the parts stay apart. */
  key(aor: AddressOfRecord): string {
    return `${this.#prefix}${aor.carrier}:${aor.domain}:${aor.user}`;
  }

  async update(aor: AddressOfRecord, update: BindingUpdate): Promise<UpdateResult> {
    const request = {
      callId: update.callId,
      cseq: update.cseq,
      removeAll: update.removeAll,
      maxBindings: update.maxBindings,
      changes: update.changes.map(({ binding, seconds }) => ({ id: binding.id, seconds, binding })),
    };
    const reply = await this.#run(UPDATE_BINDINGS, this.key(aor), [JSON.stringify(request)]);
    if ('error' in reply) return { ok: false, reason: reply.error, ...(reply.id === undefined ? {} : { bindingId: reply.id }) };
    return { ok: true, bindings: this.#current(reply.bindings, aor) };
  }

  async lookup(aor: AddressOfRecord): Promise<CurrentBinding[]> {
    const reply = await this.#run(LOOKUP_BINDINGS, this.key(aor), []);
    return 'error' in reply ? [] : this.#current(reply.bindings, aor);
  }

  async removeFlow(aor: AddressOfRecord, flow: Flow): Promise<number> {
    const reply = await this.#run(REMOVE_FLOW_BINDINGS, this.key(aor), [JSON.stringify({ transport: flow.transport, address: flow.address, port: flow.port, edge: flow.edge })]);
    return 'error' in reply ? 0 : reply.removed ?? 0;
  }

  /** A carrier's replicas share a hash tag, so one MGET reads them on a Redis Cluster too. */
  edgeKey(carrier: string, edge: string): string {
    return `${this.#edgePrefix}{${carrier}}:${edge}`;
  }

  async announceEdge(carrier: string, edge: string, instance: string, ttlMs: number): Promise<void> {
    await this.#bounded(this.#client.set(this.edgeKey(carrier, edge), instance, { expiration: { type: 'PX', value: ttlMs } }));
  }

  async withdrawEdge(carrier: string, edge: string, instance: string): Promise<void> {
    await this.#bounded(this.#evaluate(WITHDRAW_EDGE, this.edgeKey(carrier, edge), [instance]));
  }

  async presentEdges(carrier: string, edges: readonly string[]): Promise<ReadonlySet<string>> {
    if (edges.length === 0) return new Set();
    const values = await this.#bounded(this.#client.mGet(edges.map((edge) => this.edgeKey(carrier, edge))));
    return new Set(edges.filter((_edge, index) => values[index] !== null && values[index] !== undefined));
  }

  /** Drops the connection at once: nothing a closing worker still waits for is in flight. */
  close(): Promise<void> {
    if (this.#client.isOpen) this.#client.destroy();
    return Promise.resolve();
  }

  #current(values: unknown[], aor: AddressOfRecord): CurrentBinding[] {
    const bindings: CurrentBinding[] = [];
    for (const value of values) {
      const parsed = storedBinding.safeParse(value);
      if (!parsed.success) {
        this.#log.warn({ aor: this.key(aor), issue: parsed.error.issues[0]?.message }, 'registrar store holds a binding this worker cannot read; skipped');
        continue;
      }
      const { expiresInMs, ...binding } = parsed.data;
      bindings.push({ ...binding, expiresIn: Math.max(1, Math.ceil(expiresInMs / 1000)) });
    }
    return bindings;
  }

  async #run(script: string, key: string, args: string[]): Promise<z.output<typeof scriptReply>> {
    const raw = await this.#bounded(this.#evaluate(script, key, args));
    if (typeof raw !== 'string') throw new BindingStoreUnavailable(`unexpected script reply ${typeof raw}`);
    try {
      return scriptReply.parse(JSON.parse(raw));
    } catch (error) {
      throw new BindingStoreUnavailable(error instanceof Error ? error.message : String(error));
    }
  }

  /** The answer, or BindingStoreUnavailable: Redis failed, or did not answer within the timeout. */
  #bounded<T>(work: Promise<T>): Promise<T> {
    return answerWithin(work, this.#timeoutMs, (detail) => new BindingStoreUnavailable(detail));
  }

  /** EVALSHA, and EVAL once when Redis lost the script (restarted, flushed): the body then goes over the wire. */
  async #evaluate(script: string, key: string, args: string[]): Promise<unknown> {
    const options = { keys: [key], arguments: args };
    const sha = this.#sha.get(script);
    if (sha !== undefined) {
      try {
        return await this.#client.evalSha(sha, options);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      }
    }
    const loaded = await this.#client.scriptLoad(script);
    this.#sha.set(script, loaded);
    return this.#client.evalSha(loaded, options);
  }
}
