// Standalone workers read routing from a directory and follow it as it is rewritten, with
// fs.watch and with polling alone.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startDirectoryRoutingSource } from '../../src/routing/directory-source.ts';
import { readRoutingDirectory, writeRoutingDirectory } from '../../src/routing/routing-directory.ts';
import { generationTextsFrom } from '../../src/routing/routing-objects.ts';
import { RoutingStore } from '../../src/routing/routing-store.ts';
import { compile, manyNumbers, shardNames, textsOf, voice, withShard } from './fixtures.ts';

const scratch = await mkdtemp(join(tmpdir(), 'routing-dir-'));
after(() => rm(scratch, { recursive: true, force: true }));

const compiled = [compile({ numbers: manyNumbers(9000) }), compile({ numbers: { ...manyNumbers(9000), '+8559000001': { type: 'local', enabled: true, voice: voice('https://second.example/') } } })];
const [first, second] = compiled.map(textsOf) as [ReturnType<typeof textsOf>, ReturnType<typeof textsOf>];
const generationOf = (texts: { manifest: string }) => (JSON.parse(texts.manifest) as { generation: string }).generation;

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('the directory layout holds exactly the texts the operator writes into the API', async () => {
  const dir = join(scratch, 'layout');
  await writeRoutingDirectory(dir, first);
  const read = await readRoutingDirectory(dir);
  assert.deepEqual(read, first);
  const objects = [compiled[0]?.manifest, ...(compiled[0]?.shards ?? []), compiled[0]?.workerSecret].filter((object) => object !== undefined);
  assert.deepEqual(generationTextsFrom(objects, 'mekong'), first, 'the operator\'s objects give the same texts');
  const files = (await readdir(dir)).sort();
  assert.deepEqual(files, ['manifest.json', 'secrets.json', ...shardNames(first).map((name) => `${name}.json`)].sort());
});

for (const watch of [true, false]) {
  test(`a standalone worker follows the directory as it is rewritten (${watch ? 'fs.watch' : 'polling only'})`, async () => {
    const dir = join(scratch, watch ? 'watched' : 'polled');
    await writeRoutingDirectory(dir, first);
    const store = new RoutingStore({ consistencyGraceMs: 60_000 });
    const source = startDirectoryRoutingSource({ dir, store, watch, pollIntervalMs: 100, debounceMs: 20 });
    try {
      await until('the first generation', () => store.current()?.generation === generationOf(first));
      await writeRoutingDirectory(dir, second);
      await until('the second generation', () => store.current()?.generation === generationOf(second));
      assert.deepEqual(store.current()?.number('+8559000001'), { type: 'local', enabled: true, voice: voice('https://second.example/') });

      // A corrupt shard behind a manifest that vouches for it: the second generation stays.
      const [name = ''] = shardNames(second);
      const corrupt = withShard(second, name, '{"format":"switchyard.routing/v1","carrier":"mekong","index":0,"numbers":{');
      await writeRoutingDirectory(dir, corrupt);
      await until('the rejection', () => store.status().rejections === 1);
      assert.equal(store.current()?.generation, generationOf(second));
      assert.match(store.status().lastError?.reason ?? '', new RegExp(`^shard ${name}: `));
    } finally {
      source.stop();
      store.close();
    }
  });
}

test('a directory without a manifest yet is waited for', async () => {
  const dir = join(scratch, 'late');
  await writeRoutingDirectory(dir, { manifest: '{}', shards: new Map(), secrets: undefined });
  await rm(join(dir, 'manifest.json'));
  const store = new RoutingStore();
  const source = startDirectoryRoutingSource({ dir, store, pollIntervalMs: 100, debounceMs: 20 });
  try {
    assert.equal(await source.reload(), undefined);
    await writeFile(join(dir, 'secrets.json'), first.secrets ?? '');
    await writeRoutingDirectory(dir, first);
    await until('the first generation', () => store.current()?.generation === generationOf(first));
  } finally {
    source.stop();
    store.close();
  }
});
