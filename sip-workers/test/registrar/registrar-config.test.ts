// The registrar as the environment configures it: off without SWITCHYARD_REDIS_URL, its bounds from
// SWITCHYARD_REGISTRAR_*, and a clear error for a URL that is not Redis's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadWorkerConfig, registrarOptions } from '../../src/worker/config.ts';

const base = { SWITCHYARD_CARRIER: 'mekong' };

test('without SWITCHYARD_REDIS_URL (or with it empty) there is no registrar', () => {
  assert.equal(registrarOptions(loadWorkerConfig(base)), undefined);
  assert.equal(registrarOptions(loadWorkerConfig({ ...base, SWITCHYARD_REDIS_URL: '' })), undefined);
});

test('with it, the registrar serves the carrier with the bounds the environment sets', () => {
  const options = registrarOptions(loadWorkerConfig({
    ...base,
    SWITCHYARD_REDIS_URL: 'redis://:secret@redis.switchyard.svc:6379/2',
    SWITCHYARD_REGISTRAR_MIN_EXPIRES_SECONDS: '120',
    SWITCHYARD_REGISTRAR_NATTED_UDP_EXPIRES_SECONDS: '30',
  }));
  assert.deepEqual(options, {
    redisUrl: 'redis://:secret@redis.switchyard.svc:6379/2',
    carrier: 'mekong',
    settings: { expiry: { defaultSeconds: 3600, minSeconds: 120, maxSeconds: 3600, nattedUdpSeconds: 30 }, maxBindingsPerUser: 10 },
  });
});

test('a URL that is not redis:// or rediss:// is refused at start-up, naming the variable', () => {
  assert.throws(() => loadWorkerConfig({ ...base, SWITCHYARD_REDIS_URL: 'http://redis:6379' }), /SWITCHYARD_REDIS_URL: expected redis:\/\//);
  assert.throws(() => loadWorkerConfig({ ...base, SWITCHYARD_REGISTRAR_MAX_BINDINGS: '0' }), /SWITCHYARD_REGISTRAR_MAX_BINDINGS/);
});
