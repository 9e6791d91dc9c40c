// What the worker's Redis users (the registrar's bindings, the REST API's calls) share about a
// connection: commands are refused at once while it is down, never queued for a Redis that may
// not come back before the SIP transaction or HTTP request gives up; every answer is awaited
// within a deadline; and an outage is logged once as it starts and once as it ends. Loaded only
// with one of them, like the client itself.
import { createClient } from '@redis/client';
import type { WorkerLogger } from './logger.ts';

/** redis://[[user]:password@]host[:port][/db], or rediss:// for TLS. */
export function workerRedisClient(url: string) {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 2000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000) },
  });
}

/**
 * Logs when Redis goes away and when it comes back, once each: reconnecting is the client's job.
 * `down` says which it is now, for callers that stay quiet about each failure meanwhile.
 */
export function watchAvailability(client: ReturnType<typeof workerRedisClient>, log: WorkerLogger, messages: { unavailable: string; available: string }): { readonly down: boolean } {
  const state = { down: false };
  client.on('error', (error: unknown) => {
    if (state.down) return;
    state.down = true;
    log.warn({ err: error }, messages.unavailable);
  });
  client.on('ready', () => {
    if (state.down) log.info(messages.available);
    state.down = false;
  });
  return state;
}

/** The answer, or the error `unavailable` makes: Redis failed, or did not answer within `timeoutMs`. */
export async function answerWithin<T>(work: Promise<T>, timeoutMs: number, unavailable: (detail: string) => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(unavailable(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } catch (error) {
    // The timeout's own error is made again from its message: one kind of error either way.
    throw unavailable(error instanceof Error ? error.message : String(error));
  } finally {
    clearTimeout(timer);
  }
}
