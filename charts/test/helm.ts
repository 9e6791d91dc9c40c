// Running the pinned helm (`make deps` puts it in .switchyard/bin) on the chart, and reading what it renders.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const repoRoot = new URL('../..', import.meta.url).pathname;
export const chartDir = join(repoRoot, 'charts/switchyard');
const helmBinary = process.env.SWITCHYARD_HELM ?? join(repoRoot, '.switchyard/bin/helm');

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function helm(args: string[]): Promise<HelmResult> {
  return new Promise((resolve) => {
    execFile(helmBinary, args, { maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

export async function helmOk(args: string[]): Promise<string> {
  const result = await helm(args);
  if (result.code !== 0) throw new Error(`helm ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** `helm template` with `--set` pairs, as parsed objects. */
export async function render(set: Record<string, string> = {}, namespace = 'switchyard-system'): Promise<RenderedObject[]> {
  const sets = Object.entries(set).flatMap(([key, value]) => ['--set', `${key}=${value}`]);
  const text = await helmOk(['template', 'sy', chartDir, '--namespace', namespace, ...sets]);
  return parseAllDocuments(text).map((document) => document.toJS() as RenderedObject | null).filter((object): object is RenderedObject => object !== null);
}

export const findObject = (objects: RenderedObject[], kind: string) => {
  const found = objects.find((object) => object.kind === kind);
  if (!found) throw new Error(`no ${kind} rendered; got ${objects.map((o) => o.kind).join(', ')}`);
  return found;
};
