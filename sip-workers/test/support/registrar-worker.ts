// A SIP worker with its registrar, started in-process on 127.0.0.1 over a test Redis: what the
// registration tests need (its port, its metrics, the bindings it sees), several per Redis when a
// test plays replicas.
import type { CurrentBinding } from '../../src/registrar/binding.ts';
import { defaultExpirySettings } from '../../src/registrar/expiry-policy.ts';
import type { ExpirySettings } from '../../src/registrar/expiry-policy.ts';
import type { PushOptions } from '../../src/worker/start-worker.ts';
import type { RoutingTexts } from './routing-fixture.ts';
import { startTestWorker } from './worker-harness.ts';
import type { TestWorker, TestWorkerOptions } from './worker-harness.ts';

export interface RegistrarWorker extends TestWorker {
  /** The bindings this worker would ring for a user of a domain. */
  bindings(domain: string, user: string): Promise<CurrentBinding[]>;
}

export interface RegistrarWorkerOptions {
  expiry?: Partial<ExpirySettings>;
  maxBindingsPerUser?: number;
  /** Replicas share it so each accepts the nonces of the others. */
  digestKey?: Uint8Array;
  /** Wake phones with a push token through this push service. */
  push?: PushOptions;
  /** Also take SIP over TLS (phones registering over TLS). */
  tls?: TestWorkerOptions['tls'];
  tcpIdleTimeoutMs?: number;
  /** Replicas sharing it ring each other's TCP and TLS phones, and UDP phones behind NAT, through the replica holding the flow. */
  flowTokenKey?: Uint8Array;
  /** Keep calls for the REST API, shared with the other replicas through the same Redis. */
  callLedger?: TestWorkerOptions['callLedger'];
}

export async function startRegistrarWorker(texts: RoutingTexts, redisUrl: string, options: RegistrarWorkerOptions = {}): Promise<RegistrarWorker> {
  const worker = await startTestWorker(texts, {
    ...(options.digestKey === undefined ? {} : { digestKey: options.digestKey }),
    ...(options.push === undefined ? {} : { push: options.push }),
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    ...(options.tcpIdleTimeoutMs === undefined ? {} : { tcpIdleTimeoutMs: options.tcpIdleTimeoutMs }),
    ...(options.flowTokenKey === undefined ? {} : { flowTokenKey: options.flowTokenKey }),
    ...(options.callLedger === undefined ? {} : { callLedger: options.callLedger }),
    registrar: {
      redisUrl,
      carrier: 'mekong',
      settings: { expiry: { ...defaultExpirySettings, ...options.expiry }, maxBindingsPerUser: options.maxBindingsPerUser ?? 10 },
    },
  });
  const registrar = worker.running.registrar;
  if (!registrar) throw new Error('worker started without its registrar');
  await registrar.store.ready();
  await worker.running.calls?.ready();
  return { ...worker, bindings: (domain, user) => registrar.lookup({ domain, user }) };
}
