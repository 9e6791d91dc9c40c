// What the worker's Redis users (the registrar's bindings, the REST API's calls) share about a
// connection: commands are refused at once while it is down, never queued for a Redis that may
// not come back before the SIP transaction or HTTP request gives up; and every answer is awaited
// within a deadline. Loaded only with one of them, like the client itself.
import { createClient } from '@redis/client';

/** redis://[[user]:password@]host[:port][/db], or rediss:// for TLS. */
export function workerRedisClient(url: string) {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 2000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000) },
  });
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
