// A directory of manifests as `kubectl apply -f DIR` reads it: the .yaml, .yml and .json files
// directly in it, in name order, every document of each (List kinds unpacked). Each object keeps
// where it came from, for error messages and for the order it was "created" in.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { CommandError } from '../terminal/command.ts';

export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface LocatedManifest {
  object: ManifestObject;
  /** FILE:LINE of the document. */
  source: string;
}

const manifestFile = /\.(ya?ml|json)$/;

function asManifest(value: unknown, source: string): ManifestObject[] {
  if (value === null || value === undefined) return [];
  if (typeof value !== 'object' || Array.isArray(value)) throw new CommandError(`${source}: a manifest must be a mapping with apiVersion, kind and metadata`);
  const object = value as Record<string, unknown>;
  if (typeof object.kind === 'string' && object.kind.endsWith('List') && Array.isArray(object.items)) {
    return object.items.flatMap((item) => asManifest(item, source));
  }
  const metadata = object.metadata as { name?: unknown } | undefined;
  if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') throw new CommandError(`${source}: apiVersion and kind are required`);
  if (typeof metadata?.name !== 'string' || metadata.name === '') throw new CommandError(`${source}: ${object.kind} has no metadata.name (generateName is not supported)`);
  return [object as ManifestObject];
}

export async function readManifestDir(dir: string): Promise<LocatedManifest[]> {
  let files: string[];
  try {
    files = (await readdir(dir, { withFileTypes: true })).filter((entry) => entry.isFile() && manifestFile.test(entry.name)).map((entry) => entry.name).sort();
  } catch (error) {
    throw new CommandError(`cannot read directory ${dir}: ${(error as Error).message}`);
  }
  if (files.length === 0) throw new CommandError(`${dir} holds no .yaml, .yml or .json files`);
  const manifests: LocatedManifest[] = [];
  for (const file of files) {
    const path = join(dir, file);
    const text = await readFile(path, 'utf8').catch((error: unknown) => {
      throw new CommandError(`cannot read ${path}: ${(error as Error).message}`);
    });
    const lines = new LineCounter();
    for (const document of parseAllDocuments(text, { lineCounter: lines })) {
      const line = lines.linePos(document.range[0]).line;
      const error = document.errors[0];
      if (error) throw new CommandError(`${path}:${error.linePos?.[0].line ?? line}: ${(error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`);
      const source = `${path}:${line}`;
      for (const object of asManifest(document.toJS(), source)) manifests.push({ object, source });
    }
  }
  return manifests;
}
