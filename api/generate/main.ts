// `make generate`: writes the CRDs, the chart's CRDs, the TypeScript types and the API reference.
// `--check` writes nothing and exits 1 naming every stale file.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from './outputs.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const check = process.argv.includes('--check');
const stale: string[] = [];

for (const [path, content] of generatedFiles()) {
  const target = join(root, path);
  const current = await readFile(target, 'utf8').catch(() => undefined);
  if (current === content) continue;
  stale.push(path);
  if (!check) {
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
}

if (check && stale.length > 0) {
  console.error(`stale generated files (run make generate):\n  ${stale.join('\n  ')}`);
  process.exit(1);
}
console.log(stale.length === 0 ? 'generated files are current' : `wrote ${stale.length} files:\n  ${stale.join('\n  ')}`);
