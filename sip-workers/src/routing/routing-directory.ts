// The routing state as files, for standalone workers and local runs: the same texts the operator
// writes into the API, one file each.
//
//   <dir>/manifest.json        the manifest.json text, byte for byte
//   <dir>/<shard name>.json    each shard.json text, named as the manifest names the shard
//                              (e.g. mekong-routing-0.json)
//   <dir>/secrets.json         the secrets.json text, decoded (not base64)
//
// A writer replaces each file atomically and writes the manifest last, as the operator writes
// shards before their manifest, so a reader sees at worst a manifest ahead of nothing.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GenerationTexts } from './generation-assembler.ts';
import { referencedNames } from './routing-objects.ts';

export const manifestFile = 'manifest.json';
export const secretsFile = 'secrets.json';

/** Object names are DNS labels; anything else in a manifest is not looked up on disk. */
const safeName = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;

export const shardFile = (shardName: string): string | undefined => (safeName.test(shardName) ? `${shardName}.json` : undefined);

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The texts in `dir`; undefined while there is no manifest. Missing shards or secrets are left for the assembler to name. */
export async function readRoutingDirectory(dir: string): Promise<GenerationTexts | undefined> {
  const manifest = await readIfPresent(join(dir, manifestFile));
  if (manifest === undefined) return undefined;
  const shards = new Map<string, string>();
  for (const name of referencedNames(manifest).shards) {
    const file = shardFile(name);
    const text = file === undefined ? undefined : await readIfPresent(join(dir, file));
    if (text !== undefined) shards.set(name, text);
  }
  return { manifest, shards, secrets: await readIfPresent(join(dir, secretsFile)) };
}

async function replaceFile(dir: string, file: string, text: string): Promise<void> {
  const temporary = join(dir, `.${file}.${randomBytes(4).toString('hex')}.tmp`);
  await writeFile(temporary, text);
  await rename(temporary, join(dir, file));
}

/** Writes a generation: shards and secrets first, the manifest last; shard files the manifest no longer names are removed. */
export async function writeRoutingDirectory(dir: string, texts: GenerationTexts): Promise<void> {
  await mkdir(dir, { recursive: true });
  const shardFiles = new Set<string>();
  for (const [name, text] of texts.shards) {
    const file = shardFile(name);
    if (file === undefined) throw new Error(`shard name "${name}" cannot be a file name`);
    shardFiles.add(file);
    await replaceFile(dir, file, text);
  }
  if (texts.secrets !== undefined) await replaceFile(dir, secretsFile, texts.secrets);
  await replaceFile(dir, manifestFile, texts.manifest);
  const current = new Set([...referencedNames(texts.manifest).shards].map((name) => shardFile(name)));
  for (const file of await readdir(dir)) {
    if (/-routing-\d+\.json$/.test(file) && !shardFiles.has(file) && !current.has(file)) await rm(join(dir, file), { force: true });
  }
}
