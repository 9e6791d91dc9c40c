// The CRDs, the chart's CRDs, the TypeScript types and the API reference are generated from the
// zod schemas; committing a schema change without `make generate` fails here.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { generatedFiles } from '../generate/outputs.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;

test('generated files match the zod schemas (run make generate if this fails)', async () => {
  const stale: string[] = [];
  for (const [path, content] of generatedFiles()) {
    const current = await readFile(join(repoRoot, path), 'utf8').catch(() => undefined);
    if (current !== content) stale.push(path);
  }
  assert.deepEqual(stale, []);
});
