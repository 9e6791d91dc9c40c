// Every number's route in a generation, with route keys looked up in the shards' routes
// dictionaries: what a worker serves, for readers that want it whole (tests, tools). Workers do the
// same lookup shard by shard as they compile (sip-workers/src/routing).
import type { NumberRoute, RoutingShard } from './schema.ts';

export class UndefinedRouteError extends Error {
  override readonly name = 'UndefinedRouteError';
}

/** Number → route over all shards; throws UndefinedRouteError for a key no shard defines. */
export function numberRoutes(shards: readonly Pick<RoutingShard, 'routes' | 'numbers'>[]): Map<string, NumberRoute> {
  const routes = new Map<string, NumberRoute>();
  for (const shard of shards) for (const [key, route] of Object.entries(shard.routes ?? {})) routes.set(key, route);
  const numbers = new Map<string, NumberRoute>();
  for (const shard of shards) {
    for (const [number, value] of Object.entries(shard.numbers)) {
      if (typeof value !== 'string') {
        numbers.set(number, value);
        continue;
      }
      const route = routes.get(value);
      if (!route) throw new UndefinedRouteError(`numbers["${number}"] refers to route ${value}, which no shard defines`);
      numbers.set(number, route);
    }
  }
  return numbers;
}
